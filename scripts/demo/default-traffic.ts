// The promise to the people who own the default services: a request without a routing signal
// behaves exactly as before. While the lifecycle runs, this keeps sending such requests to every
// base service and records any answer that did not come from the default copies all the way down.
import { CLIENT_CREDENTIALS } from "./auth.js";
import type { BaseService } from "./cluster.js";
import { send } from "./observe.js";

export interface DefaultTrafficReport {
  requests: number;
  /** One line per unexpected answer (wrong copy, routing header set, error). */
  unexpected: string[];
}

const INTERVAL_MS = 250;

export class DefaultTrafficWatch {
  private requests = 0;
  private readonly unexpected: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly routerUrl: string,
    private readonly services: readonly BaseService[],
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const defaults = new Set(this.services.map((service) => service.name));
    while (!this.stopped) {
      await Promise.all(
        this.services.map(async (service) => {
          this.requests++;
          try {
            const answer = await send(`${this.routerUrl}${service.path}/`, { ...CLIENT_CREDENTIALS });
            const foreign = answer.chain.filter((name) => !defaults.has(name));
            if (answer.status !== 200 || answer.servedByRoute !== null || answer.service !== service.name || foreign.length > 0) {
              this.unexpected.push(
                `${service.path}/ without a signal: HTTP ${answer.status}, X-Served-By-Route ${answer.servedByRoute ?? "-"}, chain ${answer.chain.join(" → ") || "none"}`,
              );
            }
          } catch (error) {
            this.unexpected.push(`${service.path}/ without a signal: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
      await new Promise((resolveWait) => setTimeout(resolveWait, INTERVAL_MS));
    }
  }

  async stop(): Promise<DefaultTrafficReport> {
    this.stopped = true;
    await this.loop;
    return { requests: this.requests, unexpected: [...this.unexpected] };
  }
}
