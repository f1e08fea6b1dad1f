import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { AuthService } from 'nestjs-auth-consent';
import { DataSource } from 'typeorm';
import { AppUser } from './app-user.entity.js';

@Controller('app')
export class AppController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly auth: AuthService,
  ) {}

  /** The app's own users, read through its own entity on its own DataSource. */
  @Get('users')
  async users(): Promise<Array<{ id: number; email: string }>> {
    return this.dataSource.getRepository(AppUser).find({ order: { id: 'ASC' } });
  }

  /** An account of the module (its `auth_consent_users`), made through its AuthService. */
  @Post('accounts')
  async account(@Body() body: { username: string; password: string }): Promise<{ id: string }> {
    const user = await this.auth.createUser(body.username, body.password, ['member']);
    return { id: user.id };
  }
}
