import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../health/health.service.js';

/**
 * A `@nestjs/terminus` indicator for apps with a health route of their own: up when the module's Redis (or
 * its in-process store) and database answer, down otherwise, with both states in its details. Register it
 * in any module beside `TerminusModule`; it finds the module's HealthService wherever AuthConsentModule is.
 */
@Injectable()
export class AuthConsentHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** `key` names the indicator in terminus's answer. Default `'authConsent'`. */
  async isHealthy<const Key extends string = 'authConsent'>(key: Key = 'authConsent' as Key) {
    const indicator = this.indicators.check(key);
    const report = await this.moduleRef.get(HealthService, { strict: false }).check();
    const details = { redis: report.redis, database: report.database };
    return report.status === 'ok' ? indicator.up(details) : indicator.down(details);
  }
}
