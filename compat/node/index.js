'use strict';

// Runs Bolide compatibility scenarios with the ali-ons RocketMQ client. Prints one line per
// scenario, `PASS <scenario> <detail>` or `FAIL <scenario>: <reason>`, and exits 0 only when all
// passed. Each scenario has a hard deadline; on overrun the process exits without waiting for
// client shutdown, so a stuck client never hangs the suite.

const { Env } = require('./env');
const scenarios = require('./scenarios');

const USAGE = `usage: node index.js [options] SCENARIO...
  --namesrv HOST:PORT   NameServer address (default 127.0.0.1:9876)
  --run-id ID           suffix that makes topic and group names unique to this run
  --topic NAME          topic for s15_produce / s15_consume
  --timeout-s N         override every scenario's deadline
  --list                print the scenario names and exit`;

function parseArgs(argv) {
  const config = { namesrv: '127.0.0.1:9876', broker: '', runId: Date.now().toString(16).slice(-6), topic: '', timeoutS: 0 };
  const names = [];
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--namesrv') config.namesrv = argv[++i];
    else if (a === '--broker') config.broker = argv[++i];
    else if (a === '--run-id') config.runId = argv[++i];
    else if (a === '--topic') config.topic = argv[++i];
    else if (a === '--timeout-s') config.timeoutS = Number(argv[++i]);
    else if (a === '--list') config.list = true;
    else if (a === '-h' || a === '--help') config.help = true;
    else names.push(a);
  }
  return { config, names };
}

const oneLine = s => String(s).replace(/\s+/g, ' ').trim();

function withDeadline(promise, seconds, env) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${seconds} s (${env.lastStep()})`), { deadline: true })), seconds * 1000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function main() {
  const { config, names } = parseArgs(process.argv.slice(2));
  if (config.help) {
    console.log(USAGE);
    return 0;
  }
  if (config.list) {
    Object.keys(scenarios).sort().forEach(n => console.log(n));
    return 0;
  }
  if (names.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let failed = false;
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) {
      console.log(`FAIL ${name}: not implemented by the Node client program`);
      failed = true;
      continue;
    }
    const env = new Env(name, config);
    const seconds = config.timeoutS > 0 ? config.timeoutS : scenario.deadlineSeconds;
    try {
      const detail = await withDeadline(scenario.run(env), seconds, env);
      console.log(`PASS ${name} ${oneLine(detail)}`);
    } catch (err) {
      console.log(`FAIL ${name}: ${oneLine(err.message)}`);
      failed = true;
      if (err.deadline) return 1;
    }
    await withDeadline(env.closeAll(), 15, env).catch(err => console.error(`${name}: shutdown: ${err.message}`));
  }
  return failed ? 1 : 0;
}

// Library timers keep the event loop alive; exit explicitly once the result lines are out.
main().then(
  code => process.exit(code),
  err => {
    console.log(`FAIL harness: ${oneLine(err.stack || err)}`);
    process.exit(1);
  },
);
