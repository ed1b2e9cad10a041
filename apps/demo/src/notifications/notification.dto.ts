import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What the page and API clients receive, live (SSE) or from the inbox. */
export class NotificationDto {
  @ApiPropertyOptional({ description: 'inbox id (user notifications only); SSE sends it as the event id' }) id?: string;
  @ApiProperty({ example: 'order.placed' }) type: string;
  @ApiProperty({ example: 'Order #3 confirmed: 1 × USB-C dock (€89.00)' }) text: string;
  @ApiProperty({ description: 'ms since epoch' }) at: number;
  @ApiProperty() data: unknown;
}
