import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthService, type HealthReport } from './health.service.js';

@Controller() // mounted at routes.health (default /health): src/routes/route-controllers.ts
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when Redis and the database answer; 503 naming what is down. */
  @Get()
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthReport | (HealthReport & { statusCode: number; error: string; message: string })> {
    const report = await this.health.check();
    res.setHeader('Cache-Control', 'no-store');
    if (report.status === 'ok') return report;
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    const down = [report.redis === 'down' && 'redis', report.database === 'down' && 'database'].filter(Boolean);
    return { statusCode: 503, error: 'Service Unavailable', message: `${down.join(' and ')} unavailable`, ...report };
  }
}
