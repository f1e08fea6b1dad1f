import { Controller, Get, Header, Logger, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, ERR } from '../common/openapi.js';
import {
  ApiQueries,
  ConsentEventPageResponse,
  ConsentStatsResponse,
  ConsentSubjectResponse,
  ConsentVerifyResponse,
  EVENT_FILTERS,
} from './admin.openapi.js';
import { pipeline } from 'node:stream/promises';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../common/clock.js';
import { AdminAuditService } from './admin-audit.service.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';
import { AdminConsentEventsService } from './admin-consent-events.service.js';
import { AdminConsentExportService, EXPORT_ROWS_TRAILER } from './admin-consent-export.service.js';
import { AdminConsentStatsService, type ConsentStatsView } from './admin-consent-stats.service.js';
import { AdminConsentSubjectService, type ConsentSubjectView } from './admin-consent-subject.service.js';
import { AdminConsentVerifyService, type ConsentSubjectVerifyView } from './admin-consent-verify.service.js';
import {
  CONSENT_SUBJECT_TYPES,
  type AdminPage,
  type ConsentEventExportQuery,
  type ConsentEventFilters,
  type ConsentEventPageQuery,
  type ConsentStatsQuery,
  type ConsentSubjectType,
} from './admin-query.types.js';
import { AdminGuard } from './admin.guard.js';
import { ConsentEventExportQueryPipe } from './consent-event-export-query.pipe.js';
import { SUBJECT_ID_RE } from './consent-event-filters.parse.js';
import { ConsentEventPageQueryPipe } from './consent-event-page-query.pipe.js';
import type { ConsentEventView } from './consent-event.view.js';
import { ConsentStatsQueryPipe } from './consent-stats-query.pipe.js';
import { ConsentVerifyQueryPipe } from './consent-verify-query.pipe.js';
import type { ConsentSubject } from '../consent/consent-subject.js';

function filtersOf(q: ConsentEventFilters): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({ ...q, from: q.from?.toISOString(), to: q.to?.toISOString() }).filter(
      ([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit',
    ),
  );
}

function targetOf(q: ConsentEventFilters): { type: string; id?: string } {
  return q.subjectId !== undefined ? { type: q.subjectType!, id: q.subjectId } : { type: 'consent-events' };
}

/**
 * Admin review of consent, mounted at `<adminPath>/consent` (default `/admin/consent`) by
 * AuthConsentModule. Reads of a subject's history are written to the admin audit log first.
 */
@ApiTags('admin')
@ApiCookieAuth()
@ApiErrors({ 401: ERR.signedOut, 403: ERR.notAdmin, 503: ERR.storeDown })
@ApiExtraModels(ConsentVerifyResponse)
@UseGuards(AdminGuard)
@Controller('consent')
export class AdminConsentController {
  private readonly logger = new Logger(AdminConsentController.name);

  constructor(
    private readonly subjects: AdminConsentSubjectService,
    private readonly events: AdminConsentEventsService,
    private readonly exports: AdminConsentExportService,
    private readonly statsService: AdminConsentStatsService,
    private readonly audit: AdminAuditService,
    private readonly clock: Clock,
    private readonly verifier: AdminConsentVerifyService,
  ) {}

  @Get('subjects/:subjectType/:subjectId')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "A subject's consent record and history summary (audit: consent.subject.read)" })
  @ApiParam({ name: 'subjectType', enum: ['user', 'visitor'] })
  @ApiParam({ name: 'subjectId', type: String })
  @ApiOkResponse({ type: ConsentSubjectResponse })
  @ApiErrors({
    400: 'a subjectType other than user or visitor, or a malformed subjectId',
    404: 'the subject has neither a record nor an event',
  })
  async subject(
    @Param('subjectType') subjectType: string,
    @Param('subjectId') subjectId: string,
    @Req() req: Request,
  ): Promise<ConsentSubjectView> {
    if (!CONSENT_SUBJECT_TYPES.includes(subjectType as ConsentSubjectType))
      throw new AdminBadRequestException('subjectType must be user or visitor.');
    if (!SUBJECT_ID_RE.test(subjectId))
      throw new AdminBadRequestException('subjectId must be 1-64 letters, digits, _ . : or -.');
    await this.audit.record(req.user as AuthUser, 'consent.subject.read', { type: subjectType, id: subjectId });
    return this.subjects.get(subjectType as ConsentSubjectType, subjectId);
  }

  @Get('events')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Consent events, filtered, keyset-paged (audit: consent.events.read)' })
  @ApiQueries(...EVENT_FILTERS, 'order', 'limit', 'cursor')
  @ApiOkResponse({ type: ConsentEventPageResponse })
  @ApiErrors({ 400: ERR.badQuery })
  async list(
    @Query(ConsentEventPageQueryPipe) query: ConsentEventPageQuery,
    @Req() req: Request,
  ): Promise<AdminPage<ConsentEventView>> {
    // One entry per query, not per page: the first page (no cursor) is where a review starts.
    if (query.cursor === undefined)
      await this.audit.record(req.user as AuthUser, 'consent.events.read', targetOf(query), filtersOf(query));
    return this.events.page(query);
  }

  @Get('events/export')
  @ApiOperation({
    summary:
      'Consent events as a CSV or NDJSON download, streamed, oldest first by default (audit: consent.events.export)',
  })
  @ApiQueries(...EVENT_FILTERS, 'format', 'order')
  @ApiOkResponse({
    description: 'Content-Disposition: attachment.',
    content: {
      'text/csv': { schema: { type: 'string', description: 'CONSENT_EVENT_CSV_COLUMNS, one event per line' } },
      'application/x-ndjson': {
        schema: { type: 'string', description: 'one consent event (as in GET events) per line' },
      },
    },
  })
  @ApiErrors({ 400: ERR.badQuery })
  async export(
    @Query(ConsentEventExportQueryPipe) query: ConsentEventExportQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.audit.record(req.user as AuthUser, 'consent.events.export', targetOf(query), {
      ...filtersOf(query),
      format: query.format,
    });
    const file = await this.exports.open(query, new Date(this.clock.now()));
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The row count is known at the end only: an HTTP trailer (chunked response) after the last row.
    res.setHeader('Trailer', EXPORT_ROWS_TRAILER);
    try {
      await pipeline(file.stream, res, { end: false });
      res.addTrailers({ [EXPORT_ROWS_TRAILER]: String(file.rows()) });
      res.end();
    } catch (err) {
      // Headers are gone: the client sees a truncated download; a client that left is not an error.
      if (!req.destroyed && !res.destroyed) res.destroy();
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_STREAM_PREMATURE_CLOSE')
        this.logger.error(`Consent export stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * One subject: 200 `{ok, checked, brokenAt?, reason?}` (404 when the subject has no history). Every subject:
   * 200 NDJSON, streamed: `{"checked","subjects"}` progress lines, a `{"chain":{subjectType, subjectId, ok:false, brokenAt, reason}}` line per broken chain,
   * a `{"categories":{ok:false, strayRows, firstEventId}}` line when side-table rows belong to no event, then
   * `{"done":true, ok, subjects, checked, broken}`; a stream without the `done` line did not finish.
   */
  @Get('verify')
  @ApiOperation({
    summary: "Verify one subject's audit chain, or every chain as an NDJSON stream (audit: consent.verify)",
  })
  @ApiQueries('subjectType', 'subjectId')
  @ApiOkResponse({
    description:
      'One subject (both parameters): JSON. Every chain (neither): NDJSON progress, broken-chain and done lines.',
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ConsentVerifyResponse' } },
      'application/x-ndjson': { schema: { type: 'string' } },
    },
  })
  @ApiErrors({ 400: 'only one of subjectType and subjectId, or a malformed one', 404: 'the subject has no chain' })
  async verify(
    @Query(ConsentVerifyQueryPipe) subject: ConsentSubject | null,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.audit.record(
      req.user as AuthUser,
      'consent.verify',
      subject ? { type: subject.type, id: subject.id } : { type: 'consent-events' },
    );
    res.setHeader('Cache-Control', 'no-store');
    if (subject) {
      const view: ConsentSubjectVerifyView = await this.verifier.verifyOne(subject);
      res.status(200).json(view);
      return;
    }
    const first = await this.verifier.firstBatch();
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    let gone = false;
    res.on('close', () => (gone = true));
    try {
      for await (const line of this.verifier.lines(first, () => gone)) {
        // Honour backpressure: a slow client slows the walk instead of growing the buffer.
        if (!res.write(`${JSON.stringify(line)}\n`))
          await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      res.end();
    } catch (err) {
      // Headers are gone: end with a line saying why, so the client never mistakes a cut stream for a result.
      this.logger.error(`Consent verify stopped: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.destroyed)
        res.end(`${JSON.stringify({ error: 'The database became unavailable; the verification did not finish.' })}\n`);
    }
  }

  @Get('stats')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Decisions per category and per UTC day in [from, to) (default: the last 30 days; at most 366)',
  })
  @ApiQueries('from', 'to')
  @ApiOkResponse({ type: ConsentStatsResponse })
  @ApiErrors({ 400: ERR.badQuery })
  stats(@Query(ConsentStatsQueryPipe) query: ConsentStatsQuery): Promise<ConsentStatsView> {
    return this.statsService.stats(query);
  }
}
