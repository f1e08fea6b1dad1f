import { Body, Controller, Delete, Get, HttpCode, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ERR } from '../common/openapi.js';
import {
  ConsentConfigResponse,
  ConsentDecisionBody,
  ConsentHistoryEntryResponse,
  ConsentReceiptResponse,
  ConsentStateResponse,
} from './consent.openapi.js';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user.js';
import { AuthenticatedGuard } from '../auth/authenticated.guard.js';
import { ConsentPolicy, type ConsentConfigView } from './consent.policy.js';
import { ConsentReceiptService, type ConsentReceipt } from './consent-receipt.service.js';
import type { ConsentState } from './consent-subject.js';
import { ConsentHttpService } from './consent-http.service.js';
import { ConsentService, type ConsentHistoryEntry } from './consent.service.js';
import { ConsentWriteLimit } from './consent-write.limit.js';
import { acceptedLanguages } from '../common/accept-language.js';

/** The banner's endpoints; they work signed in or not. */
@ApiTags('consent')
@Controller() // mounted at its group's path by RouterModule (src/auth-consent.features.ts)
export class ConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly decisions: ConsentHttpService,
    private readonly policy: ConsentPolicy,
    private readonly receipts: ConsentReceiptService,
    private readonly writeLimit: ConsentWriteLimit,
  ) {}

  @Get('config')
  @ApiOperation({
    summary:
      "Categories, cookies, the banner's strings (ui) and the text hash, in the best Accept-Language language; the current policy version (ETag; 304 on If-None-Match)",
  })
  @ApiOkResponse({ type: ConsentConfigResponse })
  @ApiNotModifiedResponse({ description: 'If-None-Match matched the ETag.' })
  config(@Req() req: Request, @Res({ passthrough: true }) res: Response): ConsentConfigView | undefined {
    // The texts in the caller's language (Accept-Language; the banner sends the page's language there).
    const view = this.policy.configView(acceptedLanguages(req.headers['accept-language']));
    const etag = `"${createHash('sha256').update(`${this.policy.hash}:${view.textHash}`).digest('hex')}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Vary', 'Accept-Language');
    res.setHeader('Cache-Control', 'public, max-age=0, must-revalidate');
    const match = req.headers['if-none-match'];
    if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
      res.status(304);
      return undefined;
    }
    return view;
  }

  @Get()
  @ApiOperation({
    summary: "The caller's consent state; with Sec-GPC: 1 and no decision, records the GPC refusal once",
  })
  @ApiOkResponse({ type: ConsentStateResponse })
  @ApiErrors({ 503: 'recording the GPC refusal: the database cannot be reached' })
  async state(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ConsentState> {
    if (await this.writeLimit.mayRecordGpc(req)) await this.decisions.recordGpcIfNeeded(req, res);
    return this.consent.getState(req);
  }

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record a decision: {decisions:{<key>:bool}, policyVersion} or {choice:"accept-all"|"reject-all", policyVersion}',
  })
  @ApiBody({ type: ConsentDecisionBody })
  @ApiOkResponse({
    type: ConsentStateResponse,
    description: "The new state; Set-Cookie expires the refused categories' declared cookies.",
  })
  @ApiErrors({
    400: 'an unknown category or field, a non-boolean, a required category refused, an unknown choice',
    403: ERR.crossSite,
    409: 'policyVersion is not the current one',
    429: 'consent.anonymousWriteLimit reached (callers who are not signed in); Retry-After',
    503: 'the database cannot be reached: nothing was written',
  })
  async record(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: unknown,
  ): Promise<ConsentState> {
    await this.writeLimit.write(req, res);
    return this.decisions.record(req, res, body);
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw every optional category and expire their cookies' })
  @ApiOkResponse({ type: ConsentStateResponse, description: 'The new state.' })
  @ApiErrors({
    403: ERR.crossSite,
    429: 'consent.anonymousWriteLimit reached; Retry-After',
    503: 'the database cannot be reached: nothing was written',
  })
  async withdraw(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ConsentState> {
    await this.writeLimit.write(req, res);
    return this.decisions.withdraw(req, res);
  }

  @Get('history')
  @ApiOperation({ summary: "The caller's own consent events, oldest first" })
  @ApiOkResponse({ type: ConsentHistoryEntryResponse, isArray: true })
  @ApiErrors({ 503: 'the database cannot be reached' })
  history(@Req() req: Request): Promise<ConsentHistoryEntry[]> {
    return this.consent.history(req);
  }

  @Get('export')
  @UseGuards(AuthenticatedGuard)
  @ApiCookieAuth()
  @ApiOkResponse({ type: ConsentReceiptResponse, description: 'A download (Content-Disposition: attachment).' })
  @ApiErrors({ 401: ERR.signedOut, 503: ERR.storeDown })
  @ApiOperation({
    summary:
      "The signed-in user's consent record and full history as a consent receipt (JSON download); 401 when signed out",
  })
  async export(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ConsentReceipt> {
    const receipt = await this.receipts.receiptFor((req.user as AuthUser).id);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="consent-receipt-${receipt.generated_at.slice(0, 10)}.json"`,
    );
    res.setHeader('Cache-Control', 'no-store');
    return receipt;
  }
}
