// API keys: the secret is shown once; the database keeps its SHA-256 only.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

export function newSecret(): string {
  return 'lsk_' + randomBytes(24).toString('base64url');
}

export interface NewKey { keyId: string; secret: string }

export async function createKey(db: pg.ClientBase, role: string, tenant: string | null, name: string | null): Promise<NewKey> {
  const secret = newSecret();
  const { rows } = await db.query('select ledger_private.create_api_key($1, $2, $3, $4) as key_id', [role, tenant, name, hashSecret(secret)]);
  return { keyId: rows[0].key_id, secret };
}

export async function listKeys(db: pg.ClientBase) {
  const { rows } = await db.query(
    'select key_id, role, tenant_id, name, created_at, revoked_at from ledger_private.api_keys order by created_at, key_id');
  return rows;
}

export async function revokeKey(db: pg.ClientBase, keyId: string): Promise<boolean> {
  const { rows } = await db.query('select ledger_private.revoke_api_key($1) as revoked', [keyId]);
  return rows[0].revoked === true;
}
