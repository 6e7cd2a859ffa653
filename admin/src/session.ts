// The operator key lives in sessionStorage: it leaves with the tab, and is sent only to this origin.
const KEY = 'ledger-safe.operator-key';
const IDENTITY = 'ledger-safe.identity';

export interface Identity { id: string; name: string; actor: string }

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  identity: (): Identity | null => {
    const stored = sessionStorage.getItem(IDENTITY);
    return stored ? (JSON.parse(stored) as Identity) : null;
  },
  save(key: string, identity: Identity) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(IDENTITY, JSON.stringify(identity));
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(IDENTITY);
  },
};
