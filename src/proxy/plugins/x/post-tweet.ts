import type { ActionDescriptor } from '../../plugin.js';
import { xFailure } from './x-failure.js';

interface PostTweetInput {
  text: string;
  reply_to?: string;
}

/** `x.tweet.post`: posts a tweet (`POST /2/tweets`), optionally in reply to one; returns its id, text and URL. */
export const postTweet: ActionDescriptor<PostTweetInput> = {
  name: 'tweet.post',
  title: 'Post a tweet',
  description: 'Posts a tweet (at most 280 characters) on the person’s X account, optionally as a reply to the tweet `reply_to`.',
  scope: 'tweet.post',
  input: {
    type: 'object',
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 280, description: 'The text of the tweet.' },
      reply_to: { type: 'string', pattern: '^[0-9]{1,19}$', description: 'The id of the tweet this one answers.' },
    },
    required: ['text'],
    additionalProperties: false,
  },
  policy: { constraints: [{ kind: 'max_length', field: 'text' }] },
  output: {
    type: 'object',
    properties: { id: { type: 'string' }, text: { type: 'string' }, url: { type: 'string' } },
    required: ['id', 'text'],
  },
  async handler(call) {
    const { input, upstream, config } = call;
    const res = await upstream.fetch(`${String(config.xApiBase)}/2/tweets`, {
      method: 'POST',
      json: { text: input.text, ...(input.reply_to ? { reply: { in_reply_to_tweet_id: input.reply_to } } : {}) },
    });
    if (res.status !== 201 && res.status !== 200) xFailure(res, call);
    const data = res.json<{ data?: { id?: unknown; text?: unknown } }>().data;
    if (typeof data?.id !== 'string') return call.fail('failed', 'X accepted the tweet but did not say its id.');
    return { id: data.id, text: typeof data.text === 'string' ? data.text : input.text, url: `https://x.com/i/status/${data.id}` };
  },
};
