'use strict';

// The scenarios ali-ons supports. Names match the Java and Go programs; the ones ali-ons has no
// API for are listed as not applicable in compat/expectations.toml.

const { Message } = require('ali-ons');
const { Collector, message, sleep, check, sha, textBody, noiseBody, SEQ, MAX_BODY_BYTES } = require('./env');

// A handler records a message before it returns, and the client advances the consumer offset only
// after it returns: before stopping a consumer, let the last handlers return.
const SETTLE_MS = 1000;

// Every scenario first creates its topic (Env#createTopic), which also fails fast when no broker runs.
async function send(env, producer, msg) {
  const r = await producer.send(msg);
  check(r.sendStatus === 'SEND_OK', `send status ${r.sendStatus}`);
  return r;
}

async function sendMany(env, p, topic, prefix, n) {
  env.setStep(`sending ${prefix}*`);
  for (let i = 0; i < n; i += 1) {
    await send(env, p, message(topic, `${prefix}${i}`, prefix));
  }
}

// s02: the one send call ali-ons has (a promise), awaited one by one and many at once.
async function s02SendModes(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const each = 5;
  const checkResult = (r, mode) => {
    check(r.msgId, `${mode} send result has no message id`);
    check(r.messageQueue && r.messageQueue.queueId >= 0, `${mode} send result has no queue id`);
    check(r.queueOffset >= 0, `${mode} send result queue offset ${r.queueOffset}`);
  };
  env.setStep('awaited sends');
  for (let i = 0; i < each; i += 1) {
    checkResult(await send(env, p, message(topic, `sync-${i}`, 'sync')), 'awaited');
  }
  env.setStep('concurrent sends');
  const pending = [];
  for (let i = 0; i < each; i += 1) {
    pending.push(send(env, p, message(topic, `async-${i}`, 'async')));
  }
  for (const r of await Promise.all(pending)) checkResult(r, 'concurrent');
  const col = new Collector();
  await env.consumer(env.group(), topic, '*', col.handler());
  await col.wait(env, 2 * each, 30);
  return `${each} awaited + ${each} concurrent sends consumed (ali-ons has no callback or oneway send)`;
}

// s03: keys, tags, properties and bodies (1 B to the 4 MiB limit, UTF-8) survive; over-limit is refused.
async function s03MessageFidelity(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const cases = [
    { seq: 'props', tag: 'TagP', keys: ['key-one', 'key-two'], props: { color: 'blue', city: '上海' }, body: Buffer.from('properties') },
    { seq: 'size-1', tag: 'TagS', keys: ['s1'], props: {}, body: textBody(1, 1) },
    { seq: 'size-4k', tag: 'TagS', keys: ['s4k'], props: {}, body: textBody(4096, 2) },
    { seq: 'size-1m', tag: 'TagS', keys: ['s1m'], props: {}, body: textBody(1 << 20, 3) },
    { seq: 'size-4m', tag: 'TagS', keys: ['s4m'], props: {}, body: textBody(MAX_BODY_BYTES, 4) },
    { seq: 'utf8', tag: 'TagU', keys: ['中文键'], props: { note: '消息' }, body: Buffer.from('你好，世界：RocketMQ 兼容性测试 ✓') },
  ];
  for (const c of cases) {
    env.setStep(`sending ${c.seq}`);
    const m = message(topic, c.seq, c.body);
    m.tags = c.tag;
    m.keys = c.keys;
    Object.assign(m.properties, c.props);
    await send(env, p, m);
  }
  env.setStep('sending a body over the 4 MiB limit');
  let refusal = null;
  try {
    await p.send(message(topic, 'over', noiseBody(MAX_BODY_BYTES + 1)));
  } catch (err) {
    refusal = err.message;
  }
  check(refusal !== null, 'a body of 4 MiB + 1 byte was accepted; it must be refused');
  const col = new Collector();
  await env.consumer(env.group(), topic, '*', col.handler());
  await col.wait(env, cases.length, 45);
  for (const c of cases) {
    const got = col.bySeq.get(c.seq);
    check(got, `${c.seq} never arrived`);
    check(Buffer.compare(got.body, c.body) === 0,
      `${c.seq}: body differs (${got.body.length} bytes, sha ${sha(got.body)}; sent ${c.body.length} bytes, sha ${sha(c.body)})`);
    check(got.tags === c.tag, `${c.seq}: tag ${got.tags}, want ${c.tag}`);
    check(got.keys === c.keys.join(' '), `${c.seq}: keys ${got.keys}, want ${c.keys.join(' ')}`);
    for (const [k, v] of Object.entries(c.props)) {
      check(got.properties[k] === v, `${c.seq}: property ${k} = ${got.properties[k]}, want ${v}`);
    }
  }
  check(col.distinct === cases.length, `received ${col.distinct} distinct messages, want ${cases.length}`);
  return `${cases.length} messages byte-exact up to 4 MiB; over-limit refused: ${refusal}`;
}

// s04: subscribe to "TagA || TagC" and receive exactly those.
async function s04TagFilter(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const tags = ['TagA', 'TagB', 'TagC', 'TagD'];
  const perTag = 5;
  env.setStep('sending tagged messages');
  for (let i = 0; i < perTag; i += 1) {
    for (const tag of tags) {
      const m = message(topic, `${tag}-${i}`, tag);
      m.tags = tag;
      await send(env, p, m);
    }
  }
  const col = new Collector();
  await env.consumer(env.group(), topic, 'TagA || TagC', col.handler());
  await col.wait(env, 2 * perTag, 30);
  env.setStep('waiting for stray messages');
  await sleep(3000);
  for (const m of col.bySeq.values()) {
    check(m.tags === 'TagA' || m.tags === 'TagC', `received a message with tag ${m.tags}`);
  }
  check(col.distinct === 2 * perTag, `received ${col.distinct} distinct messages, want ${2 * perTag}`);
  return `${2 * perTag} of ${perTag * tags.length} messages matched TagA || TagC and only those arrived`;
}

// s07: delay level 2 (5 s) arrives no earlier than 5 s and no later than 6 s after sending.
async function s07DelayLevel(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  await send(env, p, message(topic, 'warm-up', 'warm-up'));
  const col = new Collector();
  await env.consumer(env.group(), topic, '*', col.handler());
  // The warm-up message proves the consumer is pulling before the clock starts.
  await col.wait(env, 1, 30);
  const m = message(topic, 'delayed', 'delayed');
  m.delayTimeLevel = 2;
  env.setStep('sending the delayed message');
  const sentAt = Date.now();
  await send(env, p, m);
  const sentDone = Date.now();
  await col.wait(env, 2, 20);
  const arrived = col.arrived.get('delayed');
  check(arrived - sentAt >= 5000, `delayed message arrived after ${arrived - sentAt} ms, before the 5 s delay`);
  check(arrived - sentDone <= 6000, `delayed message arrived after ${arrived - sentDone} ms, more than 1 s late`);
  return `delay level 2 arrived after ${arrived - sentAt} ms`;
}

// s08: a message that always fails goes through the retry topic, then to the DLQ.
async function s08RetryAndDlq(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  await send(env, p, message(topic, 'doomed', 'always fails'));
  const group = env.group();
  const maxReconsume = 2;
  const attempts = [];
  await env.consumer(group, topic, '*', async msg => {
    attempts.push(msg.reconsumeTimes);
    throw new Error('deliberate consume failure');
  }, { maxReconsumeTimes: maxReconsume });
  const want = maxReconsume + 1;
  env.setStep(`waiting for ${want} delivery attempts (ali-ons lets the broker pick the retry delay: 10 s, 30 s)`);
  for (const end = Date.now() + 75000; attempts.length < want && Date.now() < end;) await sleep(200);
  const dlq = `%DLQ%${group}`;
  const dead = new Collector();
  // The DLQ is an ordinary readable topic: a second group reads the message back from it.
  await env.consumer(env.group('_dlq'), dlq, '*', dead.handler());
  await dead.wait(env, 1, 30);
  const doomed = dead.bySeq.get('doomed');
  check(doomed && doomed.body.toString() === 'always fails', `${dlq} does not hold the failed message intact`);
  check(attempts.length === want, `${attempts.length} delivery attempts (reconsume times ${attempts}), want ${want}`);
  attempts.forEach((r, i) => check(r === i, `reconsume times ${attempts}, want 0..${maxReconsume}`));
  return `${want} attempts via the retry topic, then read back from ${dlq}`;
}

// s09: two broadcasting consumers in one group each receive every message.
async function s09Broadcasting(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const n = 20;
  await sendMany(env, p, topic, 'm-', n);
  const group = env.group();
  const cols = [new Collector(), new Collector()];
  for (const col of cols) {
    await env.consumer(group, topic, '*', col.handler(), { isBroadcast: true });
  }
  for (const [i, col] of cols.entries()) {
    try {
      await col.wait(env, n, 30);
    } catch (err) {
      throw new Error(`consumer ${i + 1}: ${err.message}`);
    }
  }
  return `both consumers received all ${n} messages`;
}

// s10: two clustering consumers split the queues; one leaves; nothing is lost.
async function s10ClusteringRebalance(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const group = env.group();
  const all = new Collector();
  const mine = [new Collector(), new Collector()];
  const handles = [];
  for (const col of mine) {
    handles.push(await env.consumer(group, topic, '*', async msg => { col.add(msg); all.add(msg); }));
  }
  env.setStep('letting the two consumers rebalance');
  await sleep(5000);
  const n = 40;
  await sendMany(env, p, topic, 'before-', n);
  await all.wait(env, n, 30, 'before-');
  check(mine[0].countPrefix('before-') > 0 && mine[1].countPrefix('before-') > 0,
    `queues not split: consumers got ${mine[0].countPrefix('before-')} and ${mine[1].countPrefix('before-')} messages`);
  const split = `${mine[0].countPrefix('before-')}/${mine[1].countPrefix('before-')}`;
  await sleep(SETTLE_MS);
  env.setStep('stopping the second consumer');
  await handles[1].close();
  await sendMany(env, p, topic, 'after-', n);
  await all.wait(env, n, 60, 'after-');
  return `split ${split} before, all ${2 * n} arrived after one consumer left (${all.duplicates()} redeliveries)`;
}

// s11: a restarted consumer resumes from the committed offset: nothing lost, few duplicates.
async function s11ConsumerRestartResume(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  const group = env.group();
  const n = 20;
  await sendMany(env, p, topic, 'first-', n);
  const before = new Collector();
  const first = await env.consumer(group, topic, '*', before.handler());
  await before.wait(env, n, 30);
  await sleep(SETTLE_MS);
  env.setStep('stopping the first consumer');
  await first.close();
  await sendMany(env, p, topic, 'second-', n);
  const after = new Collector();
  await env.consumer(group, topic, '*', after.handler());
  await after.wait(env, n, 40, 'second-');
  await sleep(2000);
  const dups = after.countPrefix('first-');
  check(dups <= n / 4, `restart re-delivered ${dups} of ${n} already consumed messages: offset not resumed`);
  return `resumed after restart: ${n} new messages, ${dups} re-delivered`;
}

// s15: the three messages every client produces and checks (compat/README.md, "Scenario 15").
function s15Messages(topic) {
  const out = [];
  for (let i = 0; i < 3; i += 1) {
    const body = i === 1 ? textBody(8192, 15) : Buffer.from(`bolide s15 跨语言 message ${i}`);
    const m = new Message(topic, 'TagX', body);
    m.keys = [`s15-key-${i}`, 's15-extra'];
    m.properties[SEQ] = `s15-${i}`;
    m.properties.color = 'blue';
    m.properties.city = '上海';
    out.push(m);
  }
  return out;
}

async function s15Produce(env) {
  const topic = env.config.topic;
  check(topic, '--topic is required');
  const p = await env.producerFor(topic);
  for (const m of s15Messages(topic)) await send(env, p, m);
  return `3 messages sent to ${topic}`;
}

async function s15Consume(env) {
  const topic = env.config.topic;
  check(topic, '--topic is required');
  const col = new Collector();
  await env.consumer(env.group(), topic, '*', col.handler());
  await col.wait(env, 3, 40);
  for (const want of s15Messages(topic)) {
    const seq = want.properties[SEQ];
    const got = col.bySeq.get(seq);
    check(got, `${seq} missing`);
    check(sha(got.body) === sha(want.body), `${seq}: body sha ${sha(got.body)}, want ${sha(want.body)}`);
    for (const k of ['color', 'city']) {
      check(got.properties[k] === want.properties[k], `${seq}: property ${k} = ${got.properties[k]}, want ${want.properties[k]}`);
    }
    check(got.tags === 'TagX' && got.keys === want.keys, `${seq}: tags ${got.tags} keys ${got.keys}, want TagX and ${want.keys}`);
  }
  return '3 messages from another client intact (tag, keys, properties, body)';
}

// s18: SQL92 subscriptions (ali-ons takes { expressionType: 'SQL92', subString }). The same
// message set and expressions as the Java and Go programs. ali-ons does not check a subscription
// at start, so for a bad expression the scenario only reports what arrives.
const S18_SAMPLES = [
  ['in-a1-A', 'A', '1'],
  ['in-a2-B', 'B', '2'],
  ['in-a3-A', 'A', '3'],
  ['out-a0-A', 'A', '0'],
  ['out-a4-B', 'B', '4'],
  ['out-a2-C', 'C', '2'],
  ['out-a2-notag', null, '2'],
  ['out-noa-A', 'A', null],
  ['out-ax-A', 'A', 'x'],
];
const S18_CASES = [
  ['', "a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')", ['in-a1-A', 'in-a2-B', 'in-a3-A']],
  ['_null', 'a IS NULL', ['out-noa-A']],
  ['_notbetween', 'a NOT BETWEEN 1 AND 3', ['out-a0-A', 'out-a4-B']],
];
const S18_BAD = 'a BETWEEN 1 AND';

async function s18Sql92Filter(env) {
  const topic = env.topic();
  const p = await env.producerFor(topic);
  env.setStep('sending the mixed set');
  for (const [seq, tag, a] of S18_SAMPLES) {
    const m = message(topic, seq, `s18 ${seq}`);
    if (tag) m.tags = tag;
    if (a !== null) m.properties.a = a;
    await send(env, p, m);
  }
  const cols = [];
  for (const [suffix, sql] of S18_CASES) {
    const col = new Collector();
    cols.push(col);
    await env.consumer(env.group(suffix), topic, { expressionType: 'SQL92', subString: sql }, col.handler());
  }
  for (let i = 0; i < S18_CASES.length; i += 1) {
    await cols[i].wait(env, S18_CASES[i][2].length, 30);
  }
  env.setStep('waiting for stray messages');
  await sleep(3000);
  for (let i = 0; i < S18_CASES.length; i += 1) {
    const got = [...cols[i].bySeq.keys()].sort();
    const want = [...S18_CASES[i][2]].sort();
    check(got.join(',') === want.join(','), `"${S18_CASES[i][1]}" received [${got}], want [${want}]`);
  }
  env.setStep('subscribing with a bad expression');
  const bad = new Collector();
  let outcome;
  try {
    await env.consumer(env.group('_bad'), topic, { expressionType: 'SQL92', subString: S18_BAD }, bad.handler());
  } catch (err) {
    outcome = `refused at start: ${err.message}`;
  }
  if (outcome === undefined) {
    // Not asserted: with nothing checked at start, Apache RocketMQ 5.5.0 builds no filter for the
    // pull's unparsable expression and delivers every message; Bolide refuses those pulls.
    await sleep(5000);
    outcome = `accepted by the client at start (no broker check); ${bad.distinct} messages delivered in 5 s`;
  }
  return `SQL received exactly 3 of ${S18_SAMPLES.length}; IS NULL and NOT BETWEEN right; "${S18_BAD}" ${outcome}`;
}

module.exports = {
  s02_send_modes: { run: s02SendModes, deadlineSeconds: 60 },
  s03_message_fidelity: { run: s03MessageFidelity, deadlineSeconds: 90 },
  s04_tag_filter: { run: s04TagFilter, deadlineSeconds: 60 },
  s07_delay_level: { run: s07DelayLevel, deadlineSeconds: 60 },
  s08_retry_and_dlq: { run: s08RetryAndDlq, deadlineSeconds: 150 },
  s09_broadcasting: { run: s09Broadcasting, deadlineSeconds: 60 },
  s10_clustering_rebalance: { run: s10ClusteringRebalance, deadlineSeconds: 120 },
  s11_consumer_restart_resume: { run: s11ConsumerRestartResume, deadlineSeconds: 90 },
  s15_produce: { run: s15Produce, deadlineSeconds: 60 },
  s15_consume: { run: s15Consume, deadlineSeconds: 60 },
  s18_sql92_filter: { run: s18Sql92Filter, deadlineSeconds: 90 },
};
