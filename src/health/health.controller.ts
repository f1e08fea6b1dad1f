import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthDownResponse, HealthResponse } from './health.openapi.js';
import { HealthService, type HealthReport } from './health.service.js';

@ApiTags('health')
@Controller() // mounted at its group's path by RouterModule (src/auth-consent.features.ts)
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when Redis and the database answer; 503 naming what is down. */
  @Get()
  @ApiOperation({ summary: 'Redis and the database answer' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({
    type: HealthDownResponse,
    description: 'Redis or the database is down (named in message).',
  })
  async check(
    @Res({ passthrough: true }) res: Response,
  ): Promise<HealthReport | (HealthReport & { statusCode: number; error: string; message: string })> {
    const report = await this.health.check();
    res.setHeader('Cache-Control', 'no-store');
    if (report.status === 'ok') return report;
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    const down = [report.redis === 'down' && 'redis', report.database === 'down' && 'database'].filter(Boolean);
    return { statusCode: 503, error: 'Service Unavailable', message: `${down.join(' and ')} unavailable`, ...report };
  }
}
