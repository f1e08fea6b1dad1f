import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

/**
 * Deliberately ignores consent: it tries to set all three demo cookies on every call, each through a
 * different API, to show that the module's gate strips every cookie whose category is not granted.
 */
@ApiTags('demo')
@Controller('demo')
export class DemoTrackController {
  @Get('track')
  @ApiOperation({ summary: 'Tries to set demo_theme, demo_analytics and demo_ads whatever the consent' })
  track(@Res({ passthrough: true }) res: Response): { tried: string[] } {
    res.cookie('demo_theme', 'dark', { path: '/', sameSite: 'lax', maxAge: 365 * 86_400_000 });
    res.setHeader('Set-Cookie', [
      ...toArray(res.getHeader('Set-Cookie')),
      'demo_analytics=a1; Path=/; Max-Age=31536000; SameSite=Lax',
    ]);
    res.append('Set-Cookie', 'demo_ads=x1; Path=/; Max-Age=7776000; SameSite=Lax');
    return { tried: ['demo_theme', 'demo_analytics', 'demo_ads'] };
  }
}

function toArray(value: number | string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}
