// The start queue of aws.startVia sqs, for the rehearsal: SQS's JSON protocol for SendMessage and
// GetQueueAttributes (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/), and
// the Lambda event source mapping that drains it into the starter function with
// ReportBatchItemFailures (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
// records the function names in batchItemFailures (or every record, when the invocation fails)
// become visible again after the visibility timeout; a message received maxReceiveCount times
// goes to the dead-letter queue (the redrive policy). The dead-letter queue answers
// GetQueueAttributes at its own URL (the queue's with the suffix -dlq), as SQS does for any queue:
// serve's /metrics reads its ApproximateNumberOfMessages.
import { createHash, randomUUID } from 'node:crypto';

import { ApiError } from './step-functions';
import type { LambdaFunction } from './lambda-service';

interface Message {
  id: string;
  body: string;
  receives: number;
  visibleAt: number;
}

export interface SqsQueueConfig {
  url: string;
  arn: string;
  maxReceiveCount: number;
  visibilitySeconds: number;
  starter: LambdaFunction;
  log: (line: Record<string, unknown>) => void;
}

export class SqsQueue {
  private messages: Message[] = [];
  private dead: Message[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly config: SqsQueueConfig) {}

  get url(): string {
    return this.config.url;
  }

  setUrl(url: string): void {
    this.config.url = url;
  }

  size(): number {
    return this.messages.length;
  }

  deadLetters(): Array<{ id: string; body: string; receives: number }> {
    return this.dead.map(({ id, body, receives }) => ({ id, body, receives }));
  }

  get deadLetterUrl(): string {
    return `${this.config.url}-dlq`;
  }

  call(op: string, request: any): unknown {
    if (request?.QueueUrl === this.deadLetterUrl && op === 'GetQueueAttributes') {
      return { Attributes: { QueueArn: `${this.config.arn}-dlq`, ApproximateNumberOfMessages: String(this.dead.length) } };
    }
    if (request?.QueueUrl !== this.config.url) {
      throw new ApiError('AWS.SimpleQueueService.NonExistentQueue', `The specified queue does not exist: ${request?.QueueUrl}`);
    }
    if (op === 'SendMessage') {
      if (typeof request.MessageBody !== 'string' || request.MessageBody.length === 0) {
        throw new ApiError('MissingParameter', 'The request must contain the parameter MessageBody.');
      }
      if (Buffer.byteLength(request.MessageBody, 'utf8') > 256 * 1024) {
        throw new ApiError('InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
      }
      const message: Message = { id: randomUUID(), body: request.MessageBody, receives: 0, visibleAt: Date.now() };
      this.messages.push(message);
      return { MessageId: message.id, MD5OfMessageBody: createHash('md5').update(message.body).digest('hex') };
    }
    if (op === 'GetQueueAttributes') {
      return { Attributes: { QueueArn: this.config.arn, ApproximateNumberOfMessages: String(this.messages.length) } };
    }
    throw new ApiError('UnsupportedOperation', `the rehearsal's queue does not answer ${op}`);
  }

  startPolling(): void {
    this.timer = setInterval(() => void this.poll(), 200);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    const now = Date.now();
    const batch = this.messages.filter((m) => m.visibleAt <= now).slice(0, 10);
    if (batch.length === 0) return;
    this.busy = true;
    for (const m of batch) {
      m.receives += 1;
      m.visibleAt = now + this.config.visibilitySeconds * 1000;
    }
    const event = {
      Records: batch.map((m) => ({
        messageId: m.id, receiptHandle: `rh-${m.id}-${m.receives}`, body: m.body,
        attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(now) },
        messageAttributes: {}, md5OfBody: createHash('md5').update(m.body).digest('hex'),
        eventSource: 'aws:sqs', eventSourceARN: this.config.arn, awsRegion: this.config.arn.split(':')[3],
      })),
    };
    let failed = new Set(batch.map((m) => m.id));
    try {
      const result: any = await this.config.starter.invoke(event);
      failed = new Set((result?.batchItemFailures ?? []).map((f: any) => f.itemIdentifier));
    } catch (e) {
      this.config.log({ msg: 'starter invocation failed', error: (e as Error).name });
    }
    for (const m of batch) {
      if (!failed.has(m.id)) {
        this.messages = this.messages.filter((x) => x !== m);
      } else if (m.receives >= this.config.maxReceiveCount) {
        this.messages = this.messages.filter((x) => x !== m);
        this.dead.push(m);
        this.config.log({ msg: 'start message moved to the dead-letter queue', id: m.id, receives: m.receives });
      }
    }
    this.busy = false;
  }
}
