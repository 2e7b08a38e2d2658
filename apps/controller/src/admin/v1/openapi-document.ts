import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AdminV1Module } from './admin-v1.module';
import { OpenApiDocumentHolder } from './openapi-document.holder';

/**
 * Builds the v1 OpenAPI document from the controllers' decorators (nothing written by hand, so it
 * cannot drift from the routes) and hands it to GET /v1/openapi.json. Needs the application, so
 * main.ts calls it after NestFactory.create. Swagger's own UI/route setup is not used: it would
 * register routes outside Nest's guards.
 */
export function installOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('openstack-autoscaler admin API')
    .setDescription(
      'Versioned admin API of the controller (admin listener). Loopback-only without admin.bearerToken; with it, every route needs Authorization: Bearer <token>.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [AdminV1Module] });
  app.get(OpenApiDocumentHolder).document = document;
  return document;
}
