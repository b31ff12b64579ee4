// KafkaJS against airstream's broker: admin, idempotent produce (plain and gzip), a consumer
// group that commits, and offsets read back. Prints one JSON object for the Python test.
const { Kafka, logLevel, CompressionTypes } = require('kafkajs')

const kafka = new Kafka({ clientId: 'kafkajs-check', brokers: [process.argv[2]], logLevel: logLevel.ERROR })

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 3 }] })
  const producer = kafka.producer({ idempotent: true })
  await producer.connect()
  for (let i = 0; i < 30; i++) {
    await producer.send({ topic: 'kjs', acks: -1, messages: [{ key: 'k' + i, value: 'v' + i }] })
  }
  await producer.send({
    topic: 'kjs',
    compression: CompressionTypes.GZIP,
    messages: Array.from({ length: 20 }, (_, i) => ({ key: 'g' + i, value: 'gz' + i }))
  })
  const consumer = kafka.consumer({ groupId: 'kjs-group' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'kjs', fromBeginning: true })
  const values = []
  await new Promise((resolve) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString())
        if (values.length === 50) resolve()
      }
    })
  })
  await consumer.disconnect()
  const committed = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs'] })
  const ends = await admin.fetchTopicOffsets('kjs')
  const configs = await admin.describeConfigs({
    resources: [{ type: 2, name: 'kjs', configNames: ['retention.ms'] }]
  })
  await admin.deleteTopics({ topics: ['kjs'] })
  const remaining = await admin.listTopics()
  await producer.disconnect()
  await admin.disconnect()
  console.log(JSON.stringify({
    values,
    committed: committed[0].partitions.map((p) => Number(p.offset)),
    ends: ends.map((p) => Number(p.high)),
    retention: configs.resources[0].configEntries[0].configValue,
    remaining
  }))
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1) })
