import type { Executor } from '../store/index.js';
import { getUser } from '../accounts/index.js';

/** How others see who runs an agent: its owner's username (making an agent available needs one). */
export async function agentOwnerName(db: Executor, ownerUserId: string): Promise<string> {
  return (await getUser(db, ownerUserId))?.username ?? 'someone without a username';
}
