/**
 * Plain words for upstream scopes people meet often (OpenID Connect, Google, GitHub, Microsoft, X, Slack), so the
 * pages say what a server may do before showing the code. A scope not listed is shown as its code.
 */
const WORDS: Record<string, string> = {
  openid: 'Know who you are there',
  email: 'See your email address',
  profile: 'See your name and picture',
  offline_access: 'Stay connected while you are away',
  'offline.access': 'Stay connected while you are away',
  'read:user': 'See your profile',
  'user:email': 'See your email addresses',
  repo: 'Read and write your repositories',
  'User.Read': 'See your profile',
  'tweet.read': 'Read posts',
  'tweet.write': 'Post for you',
  'users.read': 'See profiles',
  'channels:read': 'See channels',
  'chat:write': 'Send messages',
  'https://www.googleapis.com/auth/gmail.readonly': 'Read your Gmail',
  'https://www.googleapis.com/auth/calendar': 'See and change your calendars',
  'https://www.googleapis.com/auth/calendar.readonly': 'See your calendars',
  'https://www.googleapis.com/auth/drive.readonly': 'See your Google Drive files',
};

/** What an upstream scope lets a server do, in plain words, or undefined when we have none for it. */
export function scopeWords(scope: string): string | undefined {
  return WORDS[scope];
}

/** The scopes of a space- or comma-separated string. */
export const scopeList = (scopes: string) => scopes.split(/[\s,]+/).filter(Boolean);
