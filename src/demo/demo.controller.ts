import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** The demo's pages. */
@ApiExcludeController()
@Controller()
export class DemoController {
  @Get()
  home(@Res() res: Response): void {
    res.sendFile('index.html', { root: PUBLIC_DIR });
  }
}
