/*
 * handlers_admin.c: token methods (CreateToken, ListTokens, RevokeToken).
 * Not built yet: each answers UNIMPLEMENTED.
 */
#include "handlers.h"
#include "rpc.h"
#include "status.h"

HANDLER(create_token, CreateTokenRequest, CreateTokenResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "CreateToken is not built yet");
	closure(NULL, closure_data);
}

HANDLER(list_tokens, ListTokensRequest, ListTokensResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "ListTokens is not built yet");
	closure(NULL, closure_data);
}

HANDLER(revoke_token, RevokeTokenRequest, RevokeTokenResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "RevokeToken is not built yet");
	closure(NULL, closure_data);
}
