import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { OperatorView } from './operator-view';
import { RemoveInstanceQuery } from './v1-requests.dto';
import { ErrorV1, InstanceListV1, InstanceV1, RemovalAcceptedV1 } from './v1-resources';
import { v1Validation } from './v1-validation.pipe';

/** `/v1/instances`: list, show, drain-and-remove. */
@ApiTags('instances')
@Controller('v1/instances')
export class InstancesV1Controller {
  constructor(private readonly view: OperatorView) {}

  @Get()
  @ApiOperation({ summary: 'Every instance: phase, health, address, load, golden image' })
  @ApiOkResponse({ type: InstanceListV1 })
  list(): InstanceListV1 {
    return { instances: this.view.instances() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One instance, by id or name' })
  @ApiParam({ name: 'id', description: 'Instance id or name' })
  @ApiOkResponse({ type: InstanceV1 })
  @ApiNotFoundResponse({ type: ErrorV1 })
  show(@Param('id') id: string): InstanceV1 {
    return this.view.instance(id);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Drain and remove an admitted instance (new requests stop, in-flight ones finish, then it is deleted)',
  })
  @ApiParam({ name: 'id', description: 'Instance id or name' })
  @ApiAcceptedResponse({ type: RemovalAcceptedV1 })
  @ApiBadRequestResponse({ type: ErrorV1 })
  @ApiNotFoundResponse({ type: ErrorV1 })
  @ApiConflictResponse({
    type: ErrorV1,
    description:
      'Not admitted, the protected original, or below scaling.minInstances without replace',
  })
  remove(
    @Param('id') id: string,
    @Query(v1Validation(['replace'])) query: RemoveInstanceQuery,
  ): RemovalAcceptedV1 {
    return this.view.removeInstance(id, query.replace ?? false);
  }
}
