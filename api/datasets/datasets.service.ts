/**
 * Dataset uploads: the file is streamed to the artifact store's scratch folder (never buffered
 * whole), refused past the size limit, profiled, then stored under its SHA-256 and recorded.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { BadRequestException, Inject, Injectable, PayloadTooLargeException } from '@nestjs/common';
import type { MultipartFile } from '@fastify/multipart';

import type { LocalArtifactStore } from '../../artifacts/store';
import { profileFrame } from '../../core/data/profile';
import { readCsv } from '../../core/data/read';
import { getDataset, listDatasets, recordDataset, type DatasetRecord } from '../../registry/datasets';
import type { DatasetWithProfile } from '../../registry/datasets';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS, ARTIFACT_STORE } from '../settings/settings.module';

/** Answer of an upload; `created` is false when the same bytes were uploaded before. */
export interface UploadedDataset extends DatasetRecord {
  readonly created: boolean;
  readonly rows: number;
  readonly columns: readonly string[];
}

const EXTENSIONS = new Set(['csv', 'tsv', 'txt', 'data']);

@Injectable()
export class DatasetsService {
  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(ARTIFACT_STORE) private readonly store: LocalArtifactStore,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  /**
   * Stores one uploaded file. The profile is computed before the file enters the store, so an
   * unreadable file leaves nothing behind.
   * @throws PayloadTooLargeException past `DISTILLERY_UPLOAD_LIMIT_BYTES`; CsvParseError (422) for
   *   a file that is not delimited text.
   */
  async upload(file: MultipartFile, uploadedBy: string): Promise<UploadedDataset> {
    const extension = extensionOf(file.filename);
    const scratch = await this.store.tempPath(extension);
    try {
      await pipeline(file.file, createWriteStream(scratch));
      if (file.file.truncated) {
        throw new PayloadTooLargeException(`the upload exceeds the limit of ${this.settings.uploadLimitBytes} bytes`);
      }
      const { frame } = await readCsv(scratch, { sourceName: file.filename });
      const profile = profileFrame(frame);
      const ref = await this.store.putFile('dataset', scratch, extension);
      const { dataset, created } = await recordDataset(await this.registry.get(), {
        sha256: ref.sha256,
        name: file.filename,
        uri: ref.uri,
        bytes: ref.bytes,
        profile: { ...profile },
        uploadedBy,
      });
      return { ...dataset, created, rows: profile.rows, columns: profile.columns.map((c) => c.name) };
    } finally {
      await rm(scratch, { force: true });
    }
  }

  /** Every dataset, newest first. */
  async list(): Promise<DatasetRecord[]> {
    return listDatasets(await this.registry.get());
  }

  /** One dataset with its profile. @throws RegistryError (404) when it does not exist. */
  async get(sha256: string): Promise<DatasetWithProfile> {
    return getDataset(await this.registry.get(), sha256);
  }
}

function extensionOf(filename: string): string {
  const extension = extname(filename).slice(1).toLowerCase();
  if (!EXTENSIONS.has(extension)) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'ValidationError',
      message: `invalid request: file: '${filename}' must be a .csv, .tsv, .txt or .data file`,
      field: 'file',
      issues: [{ field: 'file', message: 'must be a .csv, .tsv, .txt or .data file' }],
    });
  }
  return extension;
}
