/**
 * Errors the emulator answers with. The JSON 1.1 protocol carries the error code in `__type`;
 * the SDK maps it to its typed exception classes (ServiceNotFoundException, ...).
 */
export class EcsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const clientError = (message: string): EcsApiError => new EcsApiError("ClientException", message);
export const invalidParameter = (message: string): EcsApiError => new EcsApiError("InvalidParameterException", message);
export const clusterNotFound = (): EcsApiError => new EcsApiError("ClusterNotFoundException", "Cluster not found.");
export const serviceNotFound = (): EcsApiError => new EcsApiError("ServiceNotFoundException", "Service not found.");
export const serviceNotActive = (): EcsApiError => new EcsApiError("ServiceNotActiveException", "Service was not ACTIVE.");
export const resourceNotFound = (): EcsApiError =>
  new EcsApiError("ResourceNotFoundException", "The specified resource wasn't found.");
