/**
 * Every Fleep API call the sandbox serves, by method name (`message/send`, …).
 */
import { accountRoutes } from './account.js';
import { contactRoutes } from './contacts.js';
import { conversationRoutes } from './conversation.js';
import { conversationSyncRoutes } from './conversation-sync.js';
import { eventStoreRoutes } from './event-store.js';
import { fileRoutes } from './files.js';
import { hookRoutes } from './hooks.js';
import { labelRoutes } from './labels.js';
import { messageRoutes } from './message.js';
import { miscRoutes } from './misc.js';
import { pollRoutes } from './poll.js';
import { searchRoutes } from './search.js';
import type { ApiRoute } from './context.js';

/** The route table. */
export const ROUTES: Record<string, ApiRoute> = {
  ...accountRoutes,
  ...pollRoutes,
  ...conversationRoutes,
  ...conversationSyncRoutes,
  ...messageRoutes,
  ...contactRoutes,
  ...searchRoutes,
  ...fileRoutes,
  ...hookRoutes,
  ...labelRoutes,
  ...eventStoreRoutes,
  ...miscRoutes,
};
