import { Injectable } from '@nestjs/common';
import { OpenAPIObject } from '@nestjs/swagger';

/** The generated document (installOpenApiDocument), kept for GET /v1/openapi.json. */
@Injectable()
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}
