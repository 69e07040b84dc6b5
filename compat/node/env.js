'use strict';

// One scenario's context for the ali-ons client: unique names, every client it started (all
// closed when it ends, however it ends), and a collector for consumed messages.

const crypto = require('crypto');
const util = require('util');
const { Producer, Consumer, Message } = require('ali-ons');
const ConsumeFromWhere = require('ali-ons/lib/consumer/consume_from_where');

const SEQ = 'compat_seq';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

// ali-ons insists on an HTTP client for its address-server lookup, which a plain NameServer
// address never uses; this one refuses, so an accidental lookup fails loudly instead of leaving.
const noHttp = {
  async request(url) {
    throw new Error(`address-server lookup attempted (${url}); use nameSrv`);
  },
};

// Quiet logger: only warnings and errors, on stderr.
const logger = {
  debug() {},
  info() {},
  warn(...args) { console.error('[ali-ons warn]', util.format(...args)); },
  error(...args) { console.error('[ali-ons error]', util.format(...args)); },
};

class Env {
  constructor(name, config) {
    this.name = name;
    this.config = config;
    this.closers = [];
    this.clients = 0;
    this.step = '';
  }

  setStep(what) {
    this.step = what;
  }

  lastStep() {
    return this.step ? `while ${this.step}` : 'no step recorded';
  }

  short() {
    return this.name.split('_')[0];
  }

  // Topic and group names are unique per scenario, client and run.
  topic(suffix = '') {
    return `compat_${this.short()}_node_${this.config.runId}${suffix}`;
  }

  group(suffix = '') {
    return `compat_${this.short()}_node_${this.config.runId}_cg${suffix}`;
  }

  instance() {
    this.clients += 1;
    return `compat-${this.short()}-${this.clients}`;
  }

  base() {
    return {
      httpclient: noHttp,
      nameSrv: this.config.namesrv,
      instanceName: this.instance(),
      logger,
      pollNameServerInteval: 1000,
      heartbeatBrokerInterval: 1000,
      persistConsumerOffsetInterval: 1000,
      rebalanceInterval: 2000,
    };
  }

  async producer() {
    this.setStep('starting a producer');
    const p = new Producer({
      ...this.base(),
      producerGroup: this.group('_pg'),
      sendMsgTimeout: 3000,
      // ali-ons defaults to 128 KiB; the suite tests RocketMQ's 4 MiB limit.
      maxMessageSize: MAX_BODY_BYTES,
    });
    p.on('error', err => console.error('producer error:', err.message));
    this.closers.push(() => p.close());
    await p.ready();
    return p;
  }

  // ali-ons has no public admin API and, unlike the Java client, never falls back to the
  // auto-create route (TBW102) when a topic is unknown. Operators create topics with an admin
  // tool first; here the library's own UPDATE_AND_CREATE_TOPIC call (MQClientAPI#createTopic)
  // does it against the broker the runner names, then the NameServer must serve the route.
  async createTopic(producer, topic, queues = 4) {
    check(this.config.broker, '--broker is required to create topics with ali-ons');
    const api = producer._mqClient;
    this.setStep(`creating topic ${topic} on ${this.config.broker}`);
    try {
      await api.createTopic(this.config.broker, 'TBW102', {
        topicName: topic,
        readQueueNums: queues,
        writeQueueNums: queues,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      }, 5000);
    } catch (err) {
      // ali-ons prefixes re-emitted errors with its own label, sometimes twice; keep the cause.
      const cause = err.message.replace(/(MQ\w+ occurred an error)+/g, '').trim();
      throw new Error(`create topic ${topic} on broker ${this.config.broker}: ${cause}`);
    }
    this.setStep(`waiting for the route of ${topic}`);
    const end = Date.now() + 15000;
    let last = '';
    while (Date.now() < end) {
      try {
        const route = await api.getTopicRouteInfoFromNameServer(topic, 3000);
        const write = (route && route.queueDatas || []).reduce((n, q) => n + q.writeQueueNums, 0);
        if (write >= queues) return;
        last = `route has ${write} write queues`;
      } catch (err) {
        last = err.message;
      }
      await sleep(300);
    }
    throw new Error(`route of ${topic} not served by the NameServer within 15 s: ${last}`);
  }

  // A producer with the scenario's topic created.
  async producerFor(topic) {
    const p = await this.producer();
    await this.createTopic(p, topic);
    return p;
  }

  // A push consumer reading from the first offset; `handler` is async (msg) => result.
  async consumer(group, topic, expression, handler, options = {}) {
    this.setStep(`starting a consumer in ${group}`);
    const c = new Consumer({
      ...this.base(),
      consumerGroup: group,
      consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET,
      ...options,
    });
    c.on('error', err => console.error('consumer error:', err.message));
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await c.close();
      }
    };
    this.closers.push(close);
    c.subscribe(topic, expression, handler);
    await c.ready();
    return { consumer: c, close };
  }

  async closeAll() {
    const all = this.closers.reverse();
    this.closers = [];
    for (const close of all) {
      try {
        await close();
      } catch (err) {
        console.error('shutdown:', err.message);
      }
    }
  }
}

function message(topic, seq, body) {
  const m = new Message(topic, null, body);
  delete m.properties.TAGS;
  m.properties[SEQ] = seq;
  return m;
}

// Collects consumed messages keyed by their sequence property and counts redeliveries.
class Collector {
  constructor() {
    this.bySeq = new Map();
    this.deliveries = new Map();
    this.arrived = new Map();
  }

  add(msg) {
    const seq = msg.properties[SEQ];
    if (!this.bySeq.has(seq)) {
      this.bySeq.set(seq, msg);
      this.arrived.set(seq, Date.now());
    }
    this.deliveries.set(seq, (this.deliveries.get(seq) || 0) + 1);
  }

  handler() {
    return async msg => { this.add(msg); };
  }

  get distinct() {
    return this.bySeq.size;
  }

  duplicates() {
    let n = 0;
    for (const d of this.deliveries.values()) n += d - 1;
    return n;
  }

  countPrefix(prefix) {
    let n = 0;
    for (const seq of this.bySeq.keys()) if (seq.startsWith(prefix)) n += 1;
    return n;
  }

  async wait(env, n, timeoutSeconds, prefix = '') {
    env.setStep(`waiting for ${n} messages ${prefix}`);
    const end = Date.now() + timeoutSeconds * 1000;
    const count = () => (prefix ? this.countPrefix(prefix) : this.distinct);
    while (count() < n) {
      if (Date.now() > end) {
        throw new Error(`received ${count()} of ${n} messages ${prefix}within ${timeoutSeconds} s`);
      }
      await sleep(100);
    }
  }
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function check(condition, failure) {
  if (!condition) throw new Error(failure);
}

function sha(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex').slice(0, 16);
}

// Deterministic compressible content (16 letters driven by a 32-bit LCG); identical in every client.
function textBody(size, seed) {
  const alphabet = Buffer.from('abcdefghijklmnop');
  const b = Buffer.alloc(size);
  let x = (Math.imul(seed, 2654435761 | 0) + 1) >>> 0;
  for (let i = 0; i < size; i += 1) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = alphabet[x >>> 28];
  }
  return b;
}

// Incompressible content, so compression cannot sneak an over-limit body under the limit.
function noiseBody(size) {
  return crypto.randomBytes(size);
}

module.exports = { Env, Collector, message, sleep, check, sha, textBody, noiseBody, SEQ, MAX_BODY_BYTES };
