/** RFC 8693 §2.1: the token exchange grant type (agents register for it to sub-delegate). */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
