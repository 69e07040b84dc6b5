//! REGISTER_BROKER bodies (`data-formats.md` §3.3–3.5): RegisterBrokerBody in its JSON and
//! zlib-compressed forms, TopicConfigSerializeWrapper (also the GET_ALL_TOPIC_CONFIG response).
//!
//! Compressed layout (after inflating; every `i32` big-endian, as `DataOutputStream` writes):
//!
//! ```text
//! i32 n1 | n1 DataVersion JSON | i32 topicCount | topicCount × (i32 len | len TopicConfig text)
//! | i32 n2 | n2 filterServerList JSON | [version >= 413: i32 count | count × (i32 len | len mapping JSON)]
//! ```

use std::collections::BTreeMap;
use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use super::common::{DataVersion, TopicConfig};
use super::route::{TopicQueueMappingDetail, TopicQueueMappingInfo};
use crate::json::{self, lenient, JsonError, KeyStyle};

/// `version` of a 5.0.0 peer; from it on the compressed body carries static-topic mappings and
/// topic configs carry attributes.
pub const VERSION_V5_0_0: i32 = 413;

/// Largest inflated REGISTER_BROKER body accepted, so a small compressed body cannot make the
/// name server allocate without bound.
pub const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// A broker's topic configuration table: the `topicConfigSerializeWrapper` of REGISTER_BROKER and
/// the GET_ALL_TOPIC_CONFIG response (`TopicConfigAndMappingSerializeWrapper` in 5.x).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicConfigSerializeWrapper {
    /// Version of the topic config table.
    #[serde(rename = "dataVersion", deserialize_with = "lenient::or_default")]
    pub data_version: DataVersion,
    /// 5.x: version of the static-topic mappings.
    #[serde(rename = "mappingDataVersion", skip_serializing_if = "Option::is_none")]
    pub mapping_data_version: Option<DataVersion>,
    /// Topic name → config; every topic of the broker, system topics included.
    #[serde(rename = "topicConfigTable", deserialize_with = "lenient::or_default")]
    pub topic_config_table: BTreeMap<String, TopicConfig>,
    /// 5.x: topic → mapping detail (filled only in GET_ALL_TOPIC_CONFIG responses).
    #[serde(rename = "topicQueueMappingDetailMap", skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_detail_map: Option<BTreeMap<String, TopicQueueMappingDetail>>,
    /// 5.x: topic → mapping.
    #[serde(rename = "topicQueueMappingInfoMap", skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_info_map: Option<BTreeMap<String, TopicQueueMappingInfo>>,
}

/// REGISTER_BROKER request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RegisterBrokerBody {
    /// Legacy filter servers; normally empty.
    #[serde(rename = "filterServerList", deserialize_with = "lenient::or_default")]
    pub filter_server_list: Vec<String>,
    /// The broker's topics.
    #[serde(rename = "topicConfigSerializeWrapper", deserialize_with = "lenient::or_default")]
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

/// GET_TOPIC_CONFIG response (5.x): a topic's config plus its static-topic mapping, if any.
/// Java's class extends TopicConfig, so the properties are TopicConfig's plus `mappingDetail`
/// (written last here; Java sorts it after `attributes`, which no reader depends on).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicConfigAndQueueMapping {
    /// The config.
    #[serde(flatten)]
    pub topic_config: TopicConfig,
    /// The mapping of a static topic.
    #[serde(rename = "mappingDetail", skip_serializing_if = "Option::is_none")]
    pub mapping_detail: Option<TopicQueueMappingDetail>,
}

/// CREATE_TOPIC_LIST request (5.3.0+).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateTopicListRequestBody {
    /// Topics to create or update.
    #[serde(rename = "topicConfigList", deserialize_with = "lenient::or_default")]
    pub topic_config_list: Vec<TopicConfig>,
}

/// A compressed REGISTER_BROKER body that cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CompressedBodyError {
    /// The zlib stream is corrupt.
    #[error("cannot inflate the register body: {0}")]
    Inflate(#[source] std::io::Error),
    /// The inflated body exceeds [`MAX_INFLATED_BYTES`].
    #[error("the inflated register body exceeds {MAX_INFLATED_BYTES} bytes")]
    TooLarge,
    /// The inflated body ends inside a field.
    #[error("the register body ends at byte {offset} inside {field}")]
    Truncated {
        /// Which field was being read.
        field: &'static str,
        /// Position in the inflated body.
        offset: usize,
    },
    /// A length or count is negative.
    #[error("{field} is negative ({value})")]
    Negative {
        /// Which field.
        field: &'static str,
        /// The value read.
        value: i32,
    },
    /// A topic config text is malformed.
    #[error("malformed topic config text {0:?}")]
    TopicConfig(String),
    /// An embedded JSON document does not decode.
    #[error("{field}: {source}")]
    Json {
        /// Which document.
        field: &'static str,
        /// Why.
        source: JsonError,
    },
}

impl RegisterBrokerBody {
    /// The compressed form, for a request whose header says `compressed=true`.
    /// `request_version` is the `version` of that request: from [`VERSION_V5_0_0`] on the name
    /// server reads static-topic mappings after the filter server list, and topic texts carry
    /// attributes (as a 5.x broker always writes them); below it a 4.x layout is written.
    pub fn encode_compressed(&self, request_version: i32) -> Vec<u8> {
        let five = request_version >= VERSION_V5_0_0;
        let wrapper = &self.topic_config_serialize_wrapper;
        let mut plain = Vec::with_capacity(64 * (wrapper.topic_config_table.len() + 1));
        put_block(&mut plain, &json::to_vec(&wrapper.data_version, KeyStyle::Fastjson));
        put_len(&mut plain, wrapper.topic_config_table.len());
        for config in wrapper.topic_config_table.values() {
            put_block(&mut plain, config.to_text(five).as_bytes());
        }
        put_block(&mut plain, &json::to_vec(&self.filter_server_list, KeyStyle::Fastjson));
        if five {
            let mappings = wrapper.topic_queue_mapping_info_map.iter().flatten();
            put_len(&mut plain, mappings.clone().count());
            for (_, info) in mappings {
                put_block(&mut plain, &json::to_vec(info, KeyStyle::Fastjson));
            }
        }
        let mut encoder = ZlibEncoder::new(Vec::with_capacity(plain.len() / 4 + 16), Compression::best());
        encoder.write_all(&plain).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    }

    /// Decodes the compressed form. Mappings are read only when `request_version` (the
    /// request's `version`) ≥ [`VERSION_V5_0_0`]. Topic texts with five or six fields are
    /// accepted at any version.
    ///
    /// # Errors
    /// [`CompressedBodyError`] naming the field that is corrupt.
    pub fn decode_compressed(body: &[u8], request_version: i32) -> Result<Self, CompressedBodyError> {
        let mut plain = Vec::new();
        ZlibDecoder::new(body)
            .take(MAX_INFLATED_BYTES + 1)
            .read_to_end(&mut plain)
            .map_err(CompressedBodyError::Inflate)?;
        if plain.len() as u64 > MAX_INFLATED_BYTES {
            return Err(CompressedBodyError::TooLarge);
        }
        let mut reader = BlockReader { data: &plain, pos: 0 };
        let mut wrapper = TopicConfigSerializeWrapper {
            data_version: decode_json(reader.block("dataVersion")?, "dataVersion")?,
            ..TopicConfigSerializeWrapper::default()
        };
        let topic_count = reader.count("topicCount")?;
        for _ in 0..topic_count {
            let block = reader.block("topicConfig")?;
            let text = String::from_utf8_lossy(block);
            let config = TopicConfig::from_text(&text).ok_or_else(|| CompressedBodyError::TopicConfig(text.into()))?;
            wrapper.topic_config_table.insert(config.topic_name.clone(), config);
        }
        let filter_server_list = decode_json(reader.block("filterServerList")?, "filterServerList")?;
        if request_version >= VERSION_V5_0_0 {
            let mapping_count = reader.count("mappingCount")?;
            let mut mappings = BTreeMap::new();
            for _ in 0..mapping_count {
                let info: TopicQueueMappingInfo = decode_json(reader.block("topicQueueMappingInfo")?, "mapping")?;
                mappings.insert(info.topic.clone(), info);
            }
            wrapper.topic_queue_mapping_info_map = Some(mappings);
        }
        Ok(RegisterBrokerBody { filter_server_list, topic_config_serialize_wrapper: wrapper })
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(bytes: &[u8], field: &'static str) -> Result<T, CompressedBodyError> {
    json::from_slice(bytes).map_err(|source| CompressedBodyError::Json { field, source })
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    let len = i32::try_from(len).expect("register body parts are far below 2 GiB");
    out.extend_from_slice(&len.to_be_bytes());
}

fn put_block(out: &mut Vec<u8>, block: &[u8]) {
    put_len(out, block.len());
    out.extend_from_slice(block);
}

struct BlockReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BlockReader<'a> {
    fn count(&mut self, field: &'static str) -> Result<usize, CompressedBodyError> {
        let bytes =
            self.data.get(self.pos..self.pos + 4).ok_or(CompressedBodyError::Truncated { field, offset: self.pos })?;
        let value = i32::from_be_bytes(bytes.try_into().expect("slice of four bytes"));
        self.pos += 4;
        usize::try_from(value).map_err(|_| CompressedBodyError::Negative { field, value })
    }

    fn block(&mut self, field: &'static str) -> Result<&'a [u8], CompressedBodyError> {
        let len = self.count(field)?;
        let block = self
            .data
            .get(self.pos..self.pos + len)
            .ok_or(CompressedBodyError::Truncated { field, offset: self.pos })?;
        self.pos += len;
        Ok(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V5_BODY: &str = r#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1717000000000},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1717000000000},"topicConfigTable":{"TopicTest":{"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}"#;

    fn body() -> RegisterBrokerBody {
        json::from_slice(V5_BODY.as_bytes()).expect("golden decodes")
    }

    #[test]
    fn golden_v5_body_round_trips_byte_exact() {
        let body = body();
        let wrapper = &body.topic_config_serialize_wrapper;
        assert_eq!(wrapper.data_version.counter, 3);
        assert_eq!(wrapper.topic_config_table["TopicTest"].write_queue_nums, 4);
        assert_eq!(wrapper.topic_queue_mapping_info_map, Some(BTreeMap::new()));
        assert_eq!(String::from_utf8(json::to_vec(&body, KeyStyle::Fastjson)).expect("UTF-8"), V5_BODY);
    }

    #[test]
    fn pretty_printed_topics_json_file_decodes() {
        let file = "{\n\t\"dataVersion\":{\n\t\t\"counter\":3,\n\t\t\"stateVersion\":0,\n\t\t\"timestamp\":1700000000000\n\t},\n\t\"topicConfigTable\":{\n\t\t\"TopicTest\":{\n\t\t\t\"topicName\":\"TopicTest\",\n\t\t\t\"readQueueNums\":4,\n\t\t\t\"writeQueueNums\":4,\n\t\t\t\"perm\":6,\n\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n\t\t\t\"topicSysFlag\":0,\n\t\t\t\"order\":false,\n\t\t\t\"attributes\":{}\n\t\t}\n\t}\n}";
        let wrapper: TopicConfigSerializeWrapper = json::from_slice(file.as_bytes()).expect("decodes");
        assert_eq!(wrapper.data_version.counter, 3);
        assert_eq!(wrapper.topic_config_table["TopicTest"].read_queue_nums, 4);
    }

    #[test]
    fn topic_config_and_queue_mapping_flattens_the_config() {
        let json = r#"{"attributes":{},"mappingDetail":{"bname":"b","currIdMap":{},"dirty":false,"epoch":1,"hostedQueues":{0:[{"bname":"b","endOffset":-1,"gen":0,"logicOffset":0,"queueId":0,"startOffset":0,"timeOfEnd":-1,"timeOfStart":-1}]},"scope":"__global__","topic":"T","totalQueues":1},"order":false,"perm":6,"readQueueNums":1,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":1}"#;
        let body: TopicConfigAndQueueMapping = json::from_slice(json.as_bytes()).expect("decodes");
        assert_eq!(body.topic_config.topic_name, "T");
        assert_eq!(body.mapping_detail.as_ref().map(|detail| detail.hosted_queues[&0].len()), Some(1));
        let plain: TopicConfigAndQueueMapping = json::from_slice(br#"{"topicName":"T","perm":"6"}"#).expect("decodes");
        assert_eq!(plain.mapping_detail, None);
        assert_eq!(plain.topic_config.perm, 6);
        let encoded = json::to_vec(&body, KeyStyle::Fastjson);
        assert_eq!(json::from_slice::<TopicConfigAndQueueMapping>(&encoded).expect("round trip"), body);
    }

    #[test]
    fn v4_body_without_5x_properties() {
        let v4 = r#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1},"topicConfigTable":{"T":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}}}}"#;
        let body: RegisterBrokerBody = json::from_slice(v4.as_bytes()).expect("decodes");
        assert_eq!(body.topic_config_serialize_wrapper.mapping_data_version, None);
        assert!(body.topic_config_serialize_wrapper.topic_config_table["T"].attributes.is_empty());
    }

    #[test]
    fn compressed_round_trip_for_4x_and_5x_peers() {
        let mut body = body();
        body.filter_server_list = vec!["10.0.0.9:7777".to_owned()];
        let info =
            TopicQueueMappingInfo { topic: "TopicTest".to_owned(), curr_id_map: [(0, 1)].into(), ..Default::default() };
        body.topic_config_serialize_wrapper.topic_queue_mapping_info_map =
            Some([("TopicTest".to_owned(), info)].into());

        let decoded = RegisterBrokerBody::decode_compressed(&body.encode_compressed(413), 413).expect("5.x");
        assert_eq!(decoded.filter_server_list, body.filter_server_list);
        let (sent, got) = (&body.topic_config_serialize_wrapper, &decoded.topic_config_serialize_wrapper);
        assert_eq!(got.data_version, sent.data_version);
        assert_eq!(got.topic_config_table, sent.topic_config_table);
        assert_eq!(got.topic_queue_mapping_info_map, sent.topic_queue_mapping_info_map);

        let decoded = RegisterBrokerBody::decode_compressed(&body.encode_compressed(395), 395).expect("4.x");
        assert_eq!(decoded.topic_config_serialize_wrapper.topic_config_table, sent.topic_config_table);
        assert_eq!(decoded.topic_config_serialize_wrapper.topic_queue_mapping_info_map, None);
    }

    #[test]
    fn corrupt_compressed_bodies_are_errors() {
        assert!(matches!(
            RegisterBrokerBody::decode_compressed(b"not zlib", 413),
            Err(CompressedBodyError::Inflate(_))
        ));
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(&[0, 0, 0, 9, b'{']).expect("in memory");
        let truncated = encoder.finish().expect("in memory");
        assert!(matches!(
            RegisterBrokerBody::decode_compressed(&truncated, 413),
            Err(CompressedBodyError::Truncated { field: "dataVersion", offset: 4 })
        ));
    }
}
