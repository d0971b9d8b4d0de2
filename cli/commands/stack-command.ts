import { loadStackSettings } from '../../infra/stack-settings';
import { stackDown, stackStatus, stackUp } from '../../infra/stack/stack';
import { ExitCode } from '../exit-codes';

export async function stackCommand(action: string | undefined, json: boolean): Promise<number> {
  const settings = loadStackSettings();
  const say = (msg: string) => {
    if (!json) process.stderr.write(`serflow: ${msg}\n`);
  };
  switch (action) {
    case 'up': {
      const status = await stackUp(settings, say);
      print(status, json);
      return ExitCode.ok;
    }
    case 'down':
      await stackDown(settings, say);
      if (json) process.stdout.write('{"down":true}\n');
      return ExitCode.ok;
    case 'status': {
      const status = await stackStatus(settings);
      print(status, json);
      return status.every((s) => s.healthy) ? ExitCode.ok : ExitCode.stackUnavailable;
    }
    default:
      process.stderr.write('usage: serflow stack up|down|status [--json]\n');
      return ExitCode.badInput;
  }
}

function print(status: Awaited<ReturnType<typeof stackStatus>>, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(status) + '\n');
    return;
  }
  for (const s of status) {
    const state = s.healthy ? 'healthy' : s.pid ? 'running, not healthy' : 'down';
    const urls = Object.entries(s.urls).map(([k, v]) => `${k} ${v}`).join(', ');
    process.stdout.write(`${s.name.padEnd(9)} ${state.padEnd(22)} ${urls}${s.pid ? `  (pid ${s.pid}, log ${s.logFile})` : ''}\n`);
  }
}
