import { Injectable, UnauthorizedException } from '@nestjs/common';
import { isVerifiedAt, SessionService, type Session } from 'nestjs-rediskit';
import { DEMO_VERIFY_CODE, STEP_UP_FACTOR, STEP_UP_TTL } from './auth.constants.js';
import type { DeviceDto, LoginDto } from './auth.dto.js';
import { deviceLabel } from './device-label.js';
import { UsersRepository, type User } from './users.repository.js';

/** What the demo keeps in a session. */
export interface SessionData {
  name: string;
  email: string;
}

/** Logins, logouts and step-up verification on top of SessionService. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionService,
  ) {}

  /**
   * Checks the password and opens a new session. A token the client already had is destroyed
   * first: the session id always changes at login (no session fixation).
   */
  async login(body: LoginDto, request: Parameters<SessionService['clientOf']>[0], previousToken: string | undefined) {
    const user = await this.users.verifyCredentials(body.email, body.password);
    if (!user) throw new UnauthorizedException('Wrong email or password');
    if (previousToken) await this.sessions.destroy(previousToken);
    const client = this.sessions.clientOf(request);
    const created = await this.sessions.create<SessionData>(user.id, { name: user.name, email: user.email }, { ...client, device: body.device ?? deviceLabel(client.userAgent) });
    return { user, ...created };
  }

  logout(token: string): Promise<boolean> {
    return this.sessions.destroy(token);
  }

  logoutEverywhere(userId: string): Promise<number> {
    return this.sessions.destroyAllForUser(userId);
  }

  async devices(session: Session): Promise<DeviceDto[]> {
    const list = await this.sessions.listForUser(session.userId);
    return list.map((s) => ({ id: s.id, device: s.device, ip: s.ip, userAgent: s.userAgent, createdAt: s.createdAt, lastActiveAt: s.lastActiveAt, current: s.id === session.id }));
  }

  /**
   * Step-up: checks the code, then rotates the token (a privilege change gets a new session
   * id) and records the verification on the new session for a few minutes.
   */
  async verify(token: string, code: string) {
    if (code !== DEMO_VERIFY_CODE) throw new UnauthorizedException('Wrong verification code');
    const rotated = await this.sessions.rotate<SessionData>(token);
    if (!rotated) throw new UnauthorizedException('Session expired');
    await this.sessions.markVerified(rotated.token, STEP_UP_FACTOR, STEP_UP_TTL);
    const session = (await this.sessions.get<SessionData>(rotated.token))!;
    return { token: rotated.token, session, verifiedUntil: session.verified[STEP_UP_FACTOR] };
  }

  me(session: Session<SessionData>) {
    const user: User = { id: Number(session.userId), name: session.data.name, email: session.data.email };
    return {
      user,
      session: { id: session.id, createdAt: session.createdAt, expiresAt: session.expiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
      verified: isVerifiedAt(session, STEP_UP_FACTOR),
      verifiedUntil: session.verified[STEP_UP_FACTOR] ?? null,
      // Admitted from the fallback cookie while Redis is down: name and email are not available.
      degraded: session.degraded ?? false,
    };
  }
}
