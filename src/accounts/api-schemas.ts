/** JSON schemas of the accounts API (route validation, response serialisation and the /docs page). */
const nullableString = { type: ['string', 'null'] } as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, username: nullableString, email: nullableString, phone: nullableString, wallet: nullableString,
    createdAt: { type: 'integer', description: 'epoch ms' }, updatedAt: { type: 'integer', description: 'epoch ms' },
  },
  required: ['id', 'username', 'email', 'phone', 'wallet', 'createdAt', 'updatedAt'],
} as const;
