import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Controller, Get, Header, Headers, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { Public } from 'src/auth/decorators/public.decorator';

/** Beside this file in `src/` (Jest) and in `dist/src/` (nest-cli.json copies them). */
const ASSETS_DIR = join(__dirname, 'assets');

const HTML = 'text/html; charset=utf-8';
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface Asset {
  body: string;
  etag: string;
}

function readAsset(file: string): Asset {
  const body = readFileSync(join(ASSETS_DIR, file), 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, etag };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return (ifNoneMatch ?? '')
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

/**
 * The pages that the links in Warden's mails open (`ACCOUNT_URL`): plain HTML
 * and one script that calls the API. The files are read once, at boot; only these four are served.
 * The pages stay `no-store` (their address carries a token); the script and the stylesheet are
 * revalidated by ETag, so a new release is picked up at once.
 */
@ApiExcludeController()
@Public()
@Controller('account')
export class AccountPagesController {
  private readonly verifyEmailPage = readAsset('verify-email.html');
  private readonly resetPasswordPage = readAsset('reset-password.html');
  private readonly script = readAsset('account.js');
  private readonly stylesheet = readAsset('account.css');

  @Get('verify-email')
  @Header('Content-Type', HTML)
  verifyEmail(): string {
    return this.verifyEmailPage.body;
  }

  @Get('reset-password')
  @Header('Content-Type', HTML)
  resetPassword(): string {
    return this.resetPasswordPage.body;
  }

  @Get('assets/account.js')
  accountScript(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    return this.send(reply, this.script, JAVASCRIPT, ifNoneMatch);
  }

  @Get('assets/account.css')
  accountStylesheet(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    return this.send(reply, this.stylesheet, CSS, ifNoneMatch);
  }

  private send(
    reply: FastifyReply,
    asset: Asset,
    contentType: string,
    ifNoneMatch: string | undefined,
  ): string {
    void reply
      .header('Content-Type', contentType)
      .header('Cache-Control', 'no-cache')
      .header('ETag', asset.etag);
    if (matches(ifNoneMatch, asset.etag)) {
      void reply.code(HttpStatus.NOT_MODIFIED);
      return '';
    }
    return asset.body;
  }
}
