import type { ActionDescriptor } from '../../plugin.js';
import { xFailure } from './x-failure.js';

interface ReadTweetsInput {
  max_results?: number;
}

/** The fields asked of every tweet (X answers only id and text unless asked). */
const TWEET_FIELDS = 'created_at,conversation_id,in_reply_to_user_id';

/**
 * `x.tweet.read`: the person's recent tweets, newest first: `GET /2/users/me` for their id, then
 * `GET /2/users/:id/tweets` with `max_results` (X's bounds: 5 to 100).
 */
export const readTweets: ActionDescriptor<ReadTweetsInput> = {
  name: 'tweet.read',
  title: 'Read my recent tweets',
  description: 'Lists the person’s most recent tweets on X (newest first, 5 to 100, default 10).',
  scope: 'tweet.read',
  readOnly: true,
  input: {
    type: 'object',
    properties: { max_results: { type: 'integer', minimum: 5, maximum: 100, description: 'How many tweets (5 to 100; default 10).' } },
    additionalProperties: false,
  },
  async handler(call) {
    const { input, upstream, config } = call;
    const base = String(config.xApiBase);
    const me = await upstream.fetch(`${base}/2/users/me`);
    if (me.status !== 200) xFailure(me, call);
    const user = me.json<{ data?: { id?: unknown; username?: unknown } }>().data;
    if (typeof user?.id !== 'string' || !/^[0-9]{1,19}$/.test(user.id)) return call.fail('failed', 'X did not say who the person is.');
    const query = new URLSearchParams({ max_results: String(input.max_results ?? 10), 'tweet.fields': TWEET_FIELDS });
    const res = await upstream.fetch(`${base}/2/users/${user.id}/tweets?${query}`);
    if (res.status !== 200) xFailure(res, call);
    const body = res.json<{ data?: unknown[]; meta?: Record<string, unknown> }>();
    return {
      user: { id: user.id, username: typeof user.username === 'string' ? user.username : null },
      tweets: Array.isArray(body.data) ? body.data : [],
      meta: body.meta ?? { result_count: 0 },
    };
  },
};
