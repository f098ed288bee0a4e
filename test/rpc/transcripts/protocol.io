## JSON-RPC 2.0 protocol faults answer with the standard codes and keep serving.
>> {"jsonrpc":"2.0","id":1,"method":"no_such_method","params":{}}
<< {"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}
>> {"jsonrpc":"1.0","id":2,"method":"list_wallets","params":{}}
<< {"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"Invalid Request"}}
>> {"jsonrpc":"2.0","id":3,"method":"create_wallet","params":{"name":5}}
<< {"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid param name: Expected string","data":{"code":"INVALID_PARAMS","field":"name"}}}
>> {"jsonrpc":"2.0","id":4,"method":"create_wallet","params":{"name":"a","surprise":true}}
<< {"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"Invalid param surprise: Unexpected property","data":{"code":"INVALID_PARAMS","field":"surprise"}}}
>> {"jsonrpc":"2.0","method":"list_wallets","params":{}}
>> [{"jsonrpc":"2.0","id":5,"method":"list_wallets","params":{}},{"jsonrpc":"2.0","id":6,"method":"no_such_method"}]
<< [{"jsonrpc":"2.0","id":5,"result":[]},{"jsonrpc":"2.0","id":6,"error":{"code":-32601,"message":"Method not found"}}]
>> {"jsonrpc":"2.0","id":7,"method":"list_wallets","params":{}}
<< {"jsonrpc":"2.0","id":7,"result":[]}
