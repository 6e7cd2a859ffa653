// The operator key lives in sessionStorage: it leaves with the tab, and is sent only to this origin.
// When the server refuses it (revoked meanwhile), the session ends and remembers why, for the login
// page to say.
const KEY = 'ledger-safe.operator-key';
const IDENTITY = 'ledger-safe.identity';
const REFUSED = 'ledger-safe.key-refused';

export interface Identity { id: string; name: string; actor: string; role: string }

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  identity: (): Identity | null => {
    const stored = sessionStorage.getItem(IDENTITY);
    return stored ? (JSON.parse(stored) as Identity) : null;
  },
  /** True after the server refused the key of this session (401), until the next login. */
  refused: (): boolean => sessionStorage.getItem(REFUSED) !== null,
  save(key: string, identity: Identity) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(IDENTITY, JSON.stringify(identity));
    sessionStorage.removeItem(REFUSED);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(IDENTITY);
  },
  refuse() {
    session.clear();
    sessionStorage.setItem(REFUSED, '1');
  },
};
