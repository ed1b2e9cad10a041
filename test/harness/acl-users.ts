import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The ACL users of deploy/redis/acl-users.json, the one list of what each user of a deployment
 * may do, and the users.acl file rendered from it (Redis ACL files allow no comments: the
 * reasons live in the JSON).
 */
export interface AclUser {
  name: string;
  why: string;
  devPassword?: string;
  extends?: string;
  keys?: string[];
  channels?: string[];
  /** Command (or command|subcommand) → where the library uses it. */
  commands?: Record<string, string>;
  /** Extra ACL rules, as written (for users that are not defined by a command list). */
  rules?: string[];
}

const root = new URL('../../', import.meta.url).pathname;
export const ACL_JSON = `${root}deploy/redis/acl-users.json`;
export const USERS_ACL = `${root}deploy/redis/users.acl`;
export const REDIS_CONF = `${root}deploy/redis/redis.conf`;
export const SENTINEL_CONF = `${root}deploy/redis/sentinel.conf`;

/** The application user of users.acl: the commands nestjs-rediskit sends, nothing else. */
export const APP_USER = 'rediskit-app';
/** The operator user of users.acl: everything. */
export const OPS_USER = 'rediskit-ops';

/** True when this test file runs its servers with users.acl and the app user (test/harness/acl-mode.ts). */
export function aclTestMode(): boolean {
  return process.env.REDISKIT_TEST_ACL === '1';
}

export function aclUsers(): AclUser[] {
  return (JSON.parse(readFileSync(ACL_JSON, 'utf8')) as { users: AclUser[] }).users;
}

export function aclUser(name: string): AclUser {
  const user = aclUsers().find((u) => u.name === name);
  if (!user) throw new Error(`no ACL user "${name}" in ${ACL_JSON}`);
  return user;
}

/** Every command a user may run, its base user's included, in list order. */
export function commandsOf(name: string): string[] {
  const user = aclUser(name);
  return [...(user.extends ? commandsOf(user.extends) : []), ...Object.keys(user.commands ?? {})];
}

/** The development password of a user (the one docker-compose and the tests use). */
export function devPassword(name: string): string {
  const password = aclUser(name).devPassword;
  if (!password) throw new Error(`ACL user "${name}" has no password`);
  return password;
}

/** The development password of the sentinels (requirepass and sentinel-pass), not an ACL user. */
export function sentinelDevPassword(): string {
  return (JSON.parse(readFileSync(ACL_JSON, 'utf8')) as { sentinelDevPassword: string }).sentinelDevPassword;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One `user ...` line. */
export function renderUser(user: AclUser): string {
  const base = user.extends ? aclUser(user.extends) : undefined;
  const keys = user.keys ?? base?.keys ?? [];
  const channels = user.channels ?? base?.channels ?? [];
  const parts = ['user', user.name, user.rules?.includes('off') ? 'off' : 'on', 'resetpass'];
  if (user.devPassword) parts.push(`#${sha256(user.devPassword)}`);
  parts.push('resetkeys', ...keys, 'resetchannels', ...channels);
  if (user.commands || user.extends) parts.push('-@all', ...commandsOf(user.name).map((c) => `+${c}`));
  parts.push(...(user.rules ?? []).filter((r) => r !== 'off'));
  return parts.join(' ');
}

export function renderAclFile(): string {
  return aclUsers().map(renderUser).join('\n') + '\n';
}

// `node --import @swc-node/register/esm-register test/harness/acl-users.ts --write` rewrites users.acl.
if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--write')) {
  writeFileSync(USERS_ACL, renderAclFile());
  console.log(`wrote ${USERS_ACL}`);
}
