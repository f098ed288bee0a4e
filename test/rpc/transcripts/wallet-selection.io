## SPEC §5 wallet resolution: no wallet given and none selected, or an unknown wallet id.
>> {"jsonrpc":"2.0","id":1,"method":"get_addresses","params":{}}
<< {"jsonrpc":"2.0","id":1,"error":{"code":-19,"message":"No wallet given and none selected","data":{"code":"WALLET_NOT_SELECTED"}}}
>> {"jsonrpc":"2.0","id":2,"method":"get_wallet_info","params":{"wallet":"w_000000000000"}}
<< {"jsonrpc":"2.0","id":2,"error":{"code":-18,"message":"Wallet not found","data":{"code":"WALLET_NOT_FOUND","wallet":"w_000000000000"}}}
>> {"jsonrpc":"2.0","id":3,"method":"lock_wallet","params":{"wallet":"w_000000000000"}}
<< {"jsonrpc":"2.0","id":3,"error":{"code":-18,"message":"Wallet not found","data":{"code":"WALLET_NOT_FOUND","wallet":"w_000000000000"}}}
>> {"jsonrpc":"2.0","id":4,"method":"get_balance","params":{"wallet":"w_000000000000"}}
<< {"jsonrpc":"2.0","id":4,"error":{"code":-18,"message":"Wallet not found","data":{"code":"WALLET_NOT_FOUND","wallet":"w_000000000000"}}}
