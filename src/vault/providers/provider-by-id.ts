import type { Provider } from './provider.js';

/** The provider of `list` with this id, or undefined. */
export function providerById<P extends Provider = Provider>(list: readonly P[], id: string): P | undefined {
  return list.find((p) => p.id === id);
}
