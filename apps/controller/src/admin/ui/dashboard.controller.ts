import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerResponse } from 'node:http';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StaticPageAsset } from '../admin-auth.guard';

/** The page's own files, next to this file in src/ and copied beside the build in dist/. */
const ASSETS_DIR = path.join(__dirname, 'assets');

/** Chart code is served from the installed package, never copied into the repository. */
const VENDOR_FILES: Record<string, { file: string; type: string }> = {
  'uplot.js': {
    file: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'uplot.css': {
    file: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

const PAGE_FILES: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

/**
 * Only our own origin may supply scripts, styles and connections; no framing (the page has
 * actions, so it must not be clickjacked); nothing cached (a new build takes effect at reload).
 */
const PAGE_SECURITY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * `GET /ui`: the live dashboard, one static page (HTML + JS + CSS, no framework build) that reads
 * /v1/stream and calls /v1 for its actions. These files carry no data; see StaticPageAsset.
 */
@ApiExcludeController()
@Controller('ui')
@StaticPageAsset()
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_SECURITY)
  @Header('X-Frame-Options', 'DENY')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return fs.readFileSync(path.join(ASSETS_DIR, 'index.html'), 'utf8');
  }

  @Get('vendor/:file')
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  vendor(
    @Param('file') file: string,
    @Res({ passthrough: true }) response: ServerResponse,
  ): string {
    const entry = Object.hasOwn(VENDOR_FILES, file) ? VENDOR_FILES[file] : undefined;
    if (!entry)
      throw new NotFoundException(
        `no vendor file ${file}; known: ${Object.keys(VENDOR_FILES).join(', ')}`,
      );
    response.setHeader('Content-Type', entry.type);
    // Text, not a Buffer: Nest would serialise a Buffer as JSON.
    return fs.readFileSync(entry.file, 'utf8');
  }

  @Get(':file')
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  asset(@Param('file') file: string, @Res({ passthrough: true }) response: ServerResponse): string {
    const type = Object.hasOwn(PAGE_FILES, file) ? PAGE_FILES[file] : undefined;
    if (!type)
      throw new NotFoundException(
        `no dashboard file ${file}; known: ${Object.keys(PAGE_FILES).join(', ')}`,
      );
    response.setHeader('Content-Type', type);
    return fs.readFileSync(path.join(ASSETS_DIR, file), 'utf8');
  }
}
