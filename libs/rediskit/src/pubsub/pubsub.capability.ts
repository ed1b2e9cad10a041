import { OnMessageExplorer } from './on-message.explorer.js';
import { PubSubService } from './pubsub.service.js';
import { defineCapability } from '../capability.js';
import { PubSubOptionsDto } from './pubsub.options.js';

/** Pub/Sub: `PubSubService` and the `@OnMessage` handlers found at boot. */
export const pubsubCapability = defineCapability({
  section: 'pubsub',
  optionsDto: PubSubOptionsDto,
  providers: [PubSubService, OnMessageExplorer],
});
