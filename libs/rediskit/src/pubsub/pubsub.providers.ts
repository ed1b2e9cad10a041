import type { Provider } from '@nestjs/common';
import { OnMessageExplorer } from './on-message.explorer.js';
import { PubSubService } from './pubsub.service.js';

/** The pub/sub providers registered by `RedisModule`. */
export const pubsubProviders: Provider[] = [PubSubService, OnMessageExplorer];
