import { definePlugin } from '../../plugin.js';
import { postTweet } from './post-tweet.js';
import { readTweets } from './read-tweets.js';
import { xOptions } from './x-options.js';

/**
 * The `x` plugin: post a tweet and read the person's recent tweets through the X API v2, with their OAuth 2.0
 * credential of the vault provider `x` (its upstream scopes `tweet.read tweet.write users.read offline.access`; the
 * gateway scopes `tweet.post` and `tweet.read` below are what an agent's token carries).
 */
export const xPlugin = definePlugin({
  name: 'x',
  options: xOptions,
  scopes: [
    { name: 'tweet.post', description: 'Post tweets on your X account', group: 'act' },
    { name: 'tweet.read', description: 'Read your recent tweets on X', group: 'read' },
  ],
  plugin: {
    id: 'x',
    name: 'X',
    provider: 'x',
    upstreamHosts: ({ config }) => [new URL(String(config.xApiBase)).host],
    actions: [postTweet, readTweets],
  },
});
