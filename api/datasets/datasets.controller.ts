/** `/datasets`: upload (multipart), list, and one with its data profile. */
import { Controller, Get, Inject, Param, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiDefaultResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import type { DatasetRecord, DatasetWithProfile } from '../../registry/datasets';
import type { ApiPrincipal } from '../../registry/keys';
import { RequiresRole } from '../auth/roles';
import { DATASET_WITH_PROFILE, DATASETS, UPLOADED_DATASET, ERROR_SCHEMA } from '../http/responses';
import { actorName, Caller } from '../http/principal';
import { validationError } from '../http/validation';
import { DatasetsService, type UploadedDataset } from './datasets.service';

@ApiTags('datasets')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@Controller('datasets')
export class DatasetsController {
  constructor(@Inject(DatasetsService) private readonly datasets: DatasetsService) {}

  /**
   * Uploads one CSV/TSV file (multipart field `file`), streamed to the artifact store; its SHA-256
   * is its id. Uploading the same bytes again returns the first record with `created: false`.
   */
  @Post()
  @RequiresRole('operator')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiCreatedResponse({ description: 'The stored dataset.', schema: UPLOADED_DATASET })
  @ApiPayloadTooLargeResponse({ description: 'The file exceeds DISTILLERY_UPLOAD_LIMIT_BYTES.' })
  async upload(@Req() request: FastifyRequest, @Caller() caller: ApiPrincipal): Promise<UploadedDataset> {
    if (!request.isMultipart())
      throw validationError([{ field: 'file', message: 'send multipart/form-data with a file' }]);
    const file = await request.file();
    if (!file) throw validationError([{ field: 'file', message: 'a file is required' }]);
    return this.datasets.upload(file, actorName(caller));
  }

  /** Every uploaded dataset, newest first. */
  @Get()
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'Every dataset, newest first.', schema: DATASETS })
  list(): Promise<DatasetRecord[]> {
    return this.datasets.list();
  }

  /** One dataset with its profile: rows, and per column its type, missing values, statistics and anomalies. */
  @Get(':sha256')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The dataset with its profile.', schema: DATASET_WITH_PROFILE })
  @ApiNotFoundResponse({ description: 'No dataset has this SHA-256.' })
  get(@Param('sha256') sha256: string): Promise<DatasetWithProfile> {
    return this.datasets.get(sha256);
  }
}
