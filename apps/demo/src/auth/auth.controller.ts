import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { bearerToken, CurrentSession, Public, RateLimit, RateLimitPresets, RefuseDegraded, SessionService, type Session } from 'nestjs-rediskit';
import { AuthService, type SessionData } from './auth.service.js';
import { DeviceDto, LoginDto, LoginResponseDto, VerifyDto } from './auth.dto.js';
import { loginPartition } from './login-partition.js';
import { requestToken } from './request-token.js';

/** Login, logout, devices and step-up. The session travels in an HttpOnly cookie or as a bearer token. */
@ApiTags('auth')
@ApiCookieAuth('sid')
@ApiBearerAuth()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {}

  /** Logs in (AUTH rate limit: 5 attempts per 15 minutes per address and account). */
  @Public()
  @Post('login')
  @HttpCode(200)
  @RateLimit({ ...RateLimitPresets.AUTH, key: loginPartition })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiTooManyRequestsResponse({ description: 'too many attempts; see Retry-After and RateLimit headers' })
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<LoginResponseDto> {
    const previous = requestToken(req, this.sessions);
    const { user, token, session } = await this.auth.login(body, req, previous);
    const summary = { id: session.id, createdAt: session.createdAt, expiresAt: session.expiresAt, absoluteExpiresAt: session.absoluteExpiresAt };
    if (body.transport === 'bearer') return { user, session: summary, token };
    this.sessions.setCookie(res, token, session);
    return { user, session: summary };
  }

  /** Ends this session. */
  @Post('logout')
  @RefuseDegraded()
  @HttpCode(204)
  async logout(@CurrentSession('token') token: string, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(token);
    this.sessions.clearCookie(res);
  }

  /** Ends every session of this user, on every device. */
  @Post('logout-all')
  @RefuseDegraded()
  @HttpCode(200)
  async logoutAll(@CurrentSession('userId') userId: string, @Res({ passthrough: true }) res: Response): Promise<{ destroyed: number }> {
    const destroyed = await this.auth.logoutEverywhere(userId);
    this.sessions.clearCookie(res);
    return { destroyed };
  }

  /** This user's sessions (devices). */
  @Get('sessions')
  @ApiOkResponse({ type: [DeviceDto] })
  sessionsOf(@CurrentSession() session: Session): Promise<DeviceDto[]> {
    return this.auth.devices(session);
  }

  /** Who is logged in, and whether a step-up verification is fresh. */
  @Get('me')
  me(@CurrentSession() session: Session<SessionData>) {
    return this.auth.me(session);
  }

  /** Step-up verification (BIOMETRIC rate limit: 3 per 5 minutes per user). Rotates the session token. */
  @Post('verify')
  @RefuseDegraded()
  @HttpCode(200)
  @RateLimit({ ...RateLimitPresets.BIOMETRIC, key: 'user' })
  async verify(@Body() body: VerifyDto, @CurrentSession('token') token: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { token: next, verifiedUntil } = await this.auth.verify(token, body.code);
    if (bearerToken(req) === token) return { verified: true, verifiedUntil, token: next };
    this.sessions.setCookie(res, next);
    return { verified: true, verifiedUntil };
  }
}
