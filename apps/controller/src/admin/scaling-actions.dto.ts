import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `POST /scaling/desired`: scale to this many instances (the original included). */
export class ScaleToRequest {
  @IsInt({
    message: 'instances must be an integer (the number of instances wanted, the original included)',
  })
  @Min(1, { message: 'instances must be at least 1' })
  @Max(1000, { message: 'instances must be at most 1000' })
  instances!: number;

  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(200, { message: 'reason must be at most 200 characters' })
  reason?: string;
}

/** `POST /instances/:id/remove`: drain then delete one instance. */
export class RemoveInstanceRequest {
  /** true: a new instance takes its place (the desired count stays); false (default): the desired count goes down by one. */
  @IsOptional()
  @IsBoolean({ message: 'replace must be true or false' })
  replace?: boolean;

  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(200, { message: 'reason must be at most 200 characters' })
  reason?: string;
}

/** `POST /scaling/pause` and `/scaling/resume`. */
export class AutoscalingSwitchRequest {
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(200, { message: 'reason must be at most 200 characters' })
  reason?: string;
}
