// Runs Kafka records through Kafka Connect's JsonConverter as a Debezium sink's worker would, and
// prints what the sink would get. One request per line on stdin:
//   {"topic": "...", "schemas": true, "key": "<bytes as text>" | null, "value": ... | null,
//    "headers": {"<name>": "<bytes as text>"}}
// One answer per line on stdout, in the same order:
//   {"key": {"schema": ..., "value": ...} | {"error": "..."}, "value": ...,
//    "headers": {"<name>": {"json": ..., "simple": ...}}}
// Key and value go through JsonConverter.toConnectData with schemas.enable as asked (converter.type
// key / value); headers through JsonConverter.toConnectHeader with schemas.enable=true (the setting
// under which Debezium's own __debezium.* headers are read) and through SimpleHeaderConverter,
// Kafka Connect's default header.converter.
//
// Values are printed with their Java class, since that is what a sink sees and what goes wrong
// silently: a Float as {"Float": "1.5"}, a Long as {"Long": "9223372036854775807"}, a BigDecimal as
// {"BigDecimal": "12.34"}, bytes as {"bytes": "<base64>"}, a java.util.Date as {"Date": "<epoch ms>"};
// strings, booleans and null as themselves; structs and maps as objects, lists as arrays.
// Schemas are printed as {"type": "INT32", "name": ..., "optional": ..., "fields": [...], ...}.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

public class ConnectJsonCheck {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static JsonConverter converter(String type, boolean schemas) {
    JsonConverter c = new JsonConverter();
    Map<String, Object> config = new HashMap<>();
    config.put("schemas.enable", Boolean.toString(schemas));
    config.put("converter.type", type);
    c.configure(config);
    return c;
  }

  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonConverter[] keys = {converter("key", false), converter("key", true)};
    JsonConverter[] values = {converter("value", false), converter("value", true)};
    JsonConverter headers = converter("header", true);
    SimpleHeaderConverter simple = new SimpleHeaderConverter();
    simple.configure(new HashMap<>());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode req = mapper.readTree(line);
      int s = req.path("schemas").asBoolean(false) ? 1 : 0;
      String topic = req.path("topic").asText();
      ObjectNode res = F.objectNode();
      res.set("key", convert(keys[s], topic, bytes(req.get("key"))));
      res.set("value", convert(values[s], topic, bytes(req.get("value"))));
      ObjectNode hs = F.objectNode();
      Iterator<Map.Entry<String, JsonNode>> it = req.path("headers").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> h = it.next();
        ObjectNode both = F.objectNode();
        both.set("json", header(headers, topic, h.getKey(), bytes(h.getValue())));
        both.set("simple", header(simple, topic, h.getKey(), bytes(h.getValue())));
        hs.set(h.getKey(), both);
      }
      res.set("headers", hs);
      out.println(mapper.writeValueAsString(res));
    }
    out.flush();
  }

  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode convert(JsonConverter c, String topic, byte[] data) {
    try {
      return result(c.toConnectData(topic, data));
    } catch (RuntimeException e) {
      return error(e);
    }
  }

  private static JsonNode header(HeaderConverter c, String topic, String name, byte[] data) {
    try {
      return result(c.toConnectHeader(topic, name, data));
    } catch (RuntimeException e) {
      return error(e);
    }
  }

  private static JsonNode result(SchemaAndValue sv) {
    ObjectNode o = F.objectNode();
    o.set("schema", schema(sv.schema()));
    o.set("value", value(sv.value()));
    return o;
  }

  private static JsonNode error(RuntimeException e) {
    String msg = e.getMessage();
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) msg += " / " + t.getMessage();
    ObjectNode o = F.objectNode();
    o.put("error", e.getClass().getSimpleName() + ": " + msg);
    return o;
  }

  private static JsonNode schema(Schema s) {
    if (s == null) return F.nullNode();
    ObjectNode o = F.objectNode();
    o.put("type", s.type().name());
    if (s.name() != null) o.put("name", s.name());
    if (s.version() != null) o.put("version", s.version());
    o.put("optional", s.isOptional());
    if (s.parameters() != null && !s.parameters().isEmpty()) {
      ObjectNode p = o.putObject("parameters");
      s.parameters().forEach(p::put);
    }
    if (s.defaultValue() != null) o.set("default", value(s.defaultValue()));
    switch (s.type()) {
      case STRUCT: {
        ArrayNode fields = o.putArray("fields");
        for (Field f : s.fields()) {
          ObjectNode fs = (ObjectNode) schema(f.schema());
          fs.put("field", f.name());
          fields.add(fs);
        }
        break;
      }
      case ARRAY:
        o.set("items", schema(s.valueSchema()));
        break;
      case MAP:
        o.set("keys", schema(s.keySchema()));
        o.set("values", schema(s.valueSchema()));
        break;
      default:
        break;
    }
    return o;
  }

  private static JsonNode tagged(String tag, String text) {
    ObjectNode o = F.objectNode();
    o.put(tag, text);
    return o;
  }

  private static JsonNode value(Object v) {
    if (v == null) return F.nullNode();
    if (v instanceof Struct) {
      Struct st = (Struct) v;
      ObjectNode o = F.objectNode();
      for (Field f : st.schema().fields()) o.set(f.name(), value(st.get(f)));
      return o;
    }
    if (v instanceof Map) {
      ObjectNode o = F.objectNode();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) o.set(String.valueOf(e.getKey()), value(e.getValue()));
      return o;
    }
    if (v instanceof List) {
      ArrayNode a = F.arrayNode();
      for (Object x : (List<?>) v) a.add(value(x));
      return a;
    }
    if (v instanceof String) return F.textNode((String) v);
    if (v instanceof Boolean) return F.booleanNode((Boolean) v);
    if (v instanceof byte[]) return tagged("bytes", Base64.getEncoder().encodeToString((byte[]) v));
    if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      byte[] a = new byte[b.remaining()];
      b.get(a);
      return tagged("bytes", Base64.getEncoder().encodeToString(a));
    }
    if (v instanceof BigDecimal) return tagged("BigDecimal", ((BigDecimal) v).toPlainString());
    if (v instanceof java.util.Date) return tagged("Date", Long.toString(((java.util.Date) v).getTime()));
    return tagged(v.getClass().getSimpleName(), v.toString());
  }
}
