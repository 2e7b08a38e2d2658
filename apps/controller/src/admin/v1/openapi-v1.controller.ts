import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, OpenAPIObject } from '@nestjs/swagger';
import { OpenApiDocumentHolder } from './openapi-document.holder';

/** `GET /v1/openapi.json`: the OpenAPI 3 document generated from these controllers at start-up. */
@ApiTags('meta')
@Controller('v1')
export class OpenApiV1Controller {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.json')
  @ApiOperation({ summary: 'This document' })
  @ApiOkResponse({ description: 'OpenAPI 3 document' })
  get(): OpenAPIObject {
    if (!this.holder.document)
      throw new ServiceUnavailableException(
        'the OpenAPI document is built once the controller has started; try again',
      );
    return this.holder.document;
  }
}
