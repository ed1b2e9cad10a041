import { Body, Controller, Get, Headers, HttpCode, MessageEvent, Post, Query, Sse } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiProduces, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { CurrentSession } from 'nestjs-rediskit';
import { Observable } from 'rxjs';
import { NotificationDto } from './notification.dto.js';
import { NotificationsService } from './notifications.service.js';

const INBOX_ID = /^\d+-\d+$/;

class AckDto {
  @ApiProperty({ example: '1700000000000-0' }) @IsString() @Matches(INBOX_ID) id: string;
}

/** Notifications: live as Server-Sent Events, and an inbox for what arrived while offline. */
@ApiTags('notifications')
@ApiCookieAuth('sid')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  /**
   * Server-Sent Events. The first event is `{ type: 'stream.ready' }` (subscriptions are live).
   * On reconnect the browser sends `Last-Event-ID`, and what arrived in between is replayed
   * from the inbox first.
   */
  @Sse('stream')
  @ApiProduces('text/event-stream')
  stream(@CurrentSession('userId') userId: string, @Headers('last-event-id') lastEventId?: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const seen = new Set<string>();
      // The SSE id is always the newest inbox id delivered (broadcasts repeat it), so the
      // browser's Last-Event-ID is a point in the inbox to replay from after a reconnect.
      let cursor = lastEventId && INBOX_ID.test(lastEventId) ? lastEventId : '';
      const send = (n: NotificationDto) => {
        if (n.id) {
          if (seen.has(n.id)) return; // replayed from the inbox and delivered live
          if (seen.size > 1000) seen.clear();
          seen.add(n.id);
          cursor = n.id;
        }
        subscriber.next({ id: cursor, data: n });
      };
      let off: (() => Promise<void>) | undefined;
      let closed = false;
      (async () => {
        off = await this.notifications.subscribe(userId, send);
        if (closed) return off();
        if (cursor) for (const n of await this.notifications.inbox(userId, { since: cursor })) send(n);
        send({ type: 'stream.ready', text: 'connected', at: Date.now(), data: null });
      })().catch((error: unknown) => subscriber.error(error));
      return () => {
        closed = true;
        void off?.();
      };
    });
  }

  /** Notifications kept for this user: unread ones, or those after `since` (`since=0`: all kept). */
  @Get('inbox')
  @ApiQuery({ name: 'since', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOkResponse({ type: [NotificationDto] })
  inbox(@CurrentSession('userId') userId: string, @Query('since') since?: string, @Query('limit') limit?: string): Promise<NotificationDto[]> {
    return this.notifications.inbox(userId, { since: since || undefined, limit: limit ? Number(limit) : 50 });
  }

  /** Marks the inbox read up to `id`. */
  @Post('inbox/ack')
  @HttpCode(200)
  async ack(@CurrentSession('userId') userId: string, @Body() body: AckDto): Promise<{ moved: boolean }> {
    return { moved: await this.notifications.ack(userId, body.id) };
  }
}
