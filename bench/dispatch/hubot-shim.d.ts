// Hubot 11 ships no type declarations: the part of its API the benchmark uses.
declare module 'hubot' {
  export class User {
    constructor(id: string, options?: Record<string, unknown>);
    id: string;
  }
  export class TextMessage {
    constructor(user: User, text: string, id: string);
    text: string;
    finish(): void;
  }
  export interface Envelope {
    room?: string;
    user: User;
    message: TextMessage;
  }
  export interface Response {
    message: TextMessage;
    send(...strings: string[]): Promise<unknown>;
    finish(): void;
  }
  export interface AdapterLike {
    name?: string;
    use(robot: Robot): AdapterLike | Promise<AdapterLike>;
    send(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    reply(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    run(): Promise<void>;
    close(): void;
  }
  export class Robot {
    constructor(adapter: AdapterLike | string, httpd: boolean, name?: string, alias?: string | false);
    loadAdapter(path?: string | null): Promise<void>;
    receiveMiddleware(fn: (context: { response: Response } & Record<string, unknown>) => boolean | Promise<boolean>): void;
    hear(regex: RegExp, callback: (res: Response) => unknown): void;
    catchAll(callback: (res: Response) => unknown): void;
    receive(message: TextMessage): Promise<unknown>;
    shutdown(): void;
  }
}
