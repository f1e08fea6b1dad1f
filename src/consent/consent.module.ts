import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { tokensOf } from '../common/provider-tokens.js';
import { groupControllers } from '../routes/route-group.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { ConsentAuditService } from './consent-audit.service.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import { ConsentGate } from './consent.gate.js';
import { consentKeysProvider } from './consent-keys.provider.js';
import { ConsentLoginListener } from './consent-login.listener.js';
import { ConsentPolicy } from './consent.policy.js';
import { ConsentReceiptService } from './consent-receipt.service.js';
import { ConsentSessionSync } from './consent-session.sync.js';
import { ConsentVisitorCookie } from './consent-visitor.cookie.js';
import { ConsentWriteLimit } from './consent-write.limit.js';
import { consentWriterProvider } from './consent-writer.provider.js';
import { ConsentContextService } from './consent-context.service.js';
import { ConsentDecisionService } from './consent-decision.service.js';
import { ConsentHttpService } from './consent-http.service.js';
import { ConsentController } from './consent.controller.js';
import { ConsentGuard } from './consent.guard.js';
import { ConsentService } from './consent.service.js';
import { SessionServiceConsentSync } from './session-service-consent.sync.js';
import { LoginListener } from '../auth/login.listener.js';

/** Decisions, their audit chain and receipts, the cookie gate, and the link from a visitor to a user at sign-in. */
const providers: Provider[] = [
  consentKeysProvider,
  ConsentPolicy,
  ConsentVisitorCookie,
  ConsentEventCategoryIndexer,
  ConsentAuditService,
  consentWriterProvider,
  ConsentContextService,
  ConsentDecisionService,
  ConsentHttpService,
  ConsentService,
  ConsentWriteLimit,
  ConsentReceiptService,
  ConsentGuard,
  ConsentGate,
  ConsentLoginListener,
  // Bound here, called by the auth feature: AuthConsentModule hands it to LoginSessionService.
  { provide: LoginListener, useExisting: ConsentLoginListener },
  { provide: ConsentSessionSync, useClass: SessionServiceConsentSync },
];

/** Consent; the banner's API at `<routes.consent>`. */
@Module({})
export class ConsentModule {
  static register(core: DynamicModule, auth: DynamicModule, routes: ResolvedRoutes): DynamicModule {
    return {
      module: ConsentModule,
      imports: [core, auth],
      providers,
      controllers: groupControllers('consent', routes, [ConsentController]),
      exports: tokensOf(providers),
    };
  }
}
