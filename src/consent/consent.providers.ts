import type { Provider, Type } from '@nestjs/common';
import { LoginListener } from '../auth/login-listener.js';
import { ConsentAuditService } from './consent-audit.service.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import { ConsentGate } from './consent-gate.js';
import { consentKeysProvider } from './consent-keys.provider.js';
import { ConsentLoginListener } from './consent-login.listener.js';
import { ConsentPolicy } from './consent-policy.service.js';
import { ConsentReceiptService } from './consent-receipt.service.js';
import { ConsentVisitorCookie } from './consent-visitor-cookie.js';
import { consentWriterProvider } from './consent-writer.provider.js';
import { ConsentWriteLimit } from './consent-write-limit.js';
import { ConsentGuard } from './consent.guard.js';
import { ConsentService } from './consent.service.js';
import { ConsentSessionSync } from './consent-session-sync.js';
import { SessionConsentSync } from './session-consent-sync.js';

/** The consent feature's part of AuthConsentModule. */
export const consentProviders: Provider[] = [
  consentKeysProvider,
  ConsentPolicy,
  ConsentVisitorCookie,
  ConsentEventCategoryIndexer,
  ConsentAuditService,
  consentWriterProvider,
  ConsentService,
  ConsentWriteLimit,
  ConsentReceiptService,
  ConsentGuard,
  ConsentGate,
  ConsentLoginListener,
  { provide: LoginListener, useExisting: ConsentLoginListener },
  { provide: ConsentSessionSync, useClass: SessionConsentSync },
];
export const consentExports: Array<string | symbol | Type> = [ConsentService, ConsentReceiptService, ConsentPolicy, ConsentGuard, ConsentEventCategoryIndexer];
