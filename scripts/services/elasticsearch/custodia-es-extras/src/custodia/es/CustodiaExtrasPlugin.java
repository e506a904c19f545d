/*
 * Custodia dev/test extras for Elasticsearch 8.
 *
 * Why this exists: the only complete Elasticsearch 8 distribution on Maven
 * Central is the "integ-test-zip" (org.elasticsearch.distribution.integ-test-zip).
 * It is the real server, but it ships only a few modules (transport-netty4,
 * x-pack-core, x-pack-security, apm). Missing are, among others, the
 * "rest-root" module (GET / and HEAD /, which the official clients use for
 * info() and ping()) and "analysis-common" (english analyzer, asciifolding,
 * html_strip, ...).
 *
 * This plugin puts back the small, well-defined parts of those that a
 * document-search application commonly relies on, with the same names and
 * the same Lucene classes as the upstream modules, so mappings written
 * against it also work on a full Elasticsearch:
 *   - GET /  and HEAD /   (same JSON shape as upstream RestMainAction)
 *   - analyzer     english
 *   - tokenizer    whitespace (max_token_length, default 255)
 *   - token filter asciifolding (preserve_original), porter_stem, kstem,
 *                  stemmer (english-family languages only)
 *   - char filter  html_strip (escaped_tags)
 *
 * It is compiled with plain javac against the distribution's lib/ by
 * scripts/services.sh; there is no build tool involved.
 */
package custodia.es;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.Build;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreConfiguredTokenizer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.Reader;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

public class CustodiaExtrasPlugin extends Plugin implements ActionPlugin, AnalysisPlugin {

    private final SetOnce<ClusterService> clusterService = new SetOnce<>();

    @Override
    public Collection<?> createComponents(PluginServices services) {
        clusterService.set(services.clusterService());
        return List.of();
    }

    // ------------------------------------------------------------------ REST

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RootHandler(clusterService::get));
    }

    /** Same response as upstream RestMainAction (modules/rest-root). */
    static final class RootHandler extends BaseRestHandler {
        private final Supplier<ClusterService> clusterService;

        RootHandler(Supplier<ClusterService> clusterService) {
            this.clusterService = clusterService;
        }

        @Override
        public String getName() {
            return "custodia_main_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                ClusterService cs = clusterService.get();
                Build build = Build.current();
                XContentBuilder b = channel.newBuilder();
                b.startObject();
                b.field("name", cs.getNodeName());
                b.field("cluster_name", cs.getClusterName().value());
                b.field("cluster_uuid", cs.state().metadata().clusterUUID());
                b.startObject("version")
                    .field("number", build.qualifiedVersion())
                    .field("build_flavor", build.flavor())
                    .field("build_type", build.type().displayName())
                    .field("build_hash", build.hash())
                    .field("build_date", build.date())
                    .field("build_snapshot", build.isSnapshot())
                    .field("lucene_version", IndexVersion.current().luceneVersion().toString())
                    .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                    .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                    .endObject();
                b.field("tagline", "You Know, for Search");
                b.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, b));
            };
        }
    }

    // -------------------------------------------------------------- analysis

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of("english", (indexSettings, env, name, settings) -> {
            EnglishAnalyzer analyzer = new EnglishAnalyzer(stopwords(settings, EnglishAnalyzer.getDefaultStopSet()));
            return new AnalyzerProvider<EnglishAnalyzer>() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public AnalyzerScope scope() {
                    return AnalyzerScope.INDEX;
                }

                @Override
                public EnglishAnalyzer get() {
                    return analyzer;
                }
            };
        });
    }

    /**
     * The whitespace tokenizer of upstream analysis-common: splits on whitespace
     * only, cutting tokens at max_token_length (default 255, as upstream).
     * Custodia's mappings index pre-tokenized streams with it.
     */
    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("whitespace", (indexSettings, env, name, settings) -> {
            int maxTokenLength = settings.getAsInt("max_token_length", 255);
            return TokenizerFactory.newFactory(name, () -> new WhitespaceTokenizer(maxTokenLength));
        });
    }

    /** The bare name "whitespace" in an analyzer definition, as upstream. */
    @Override
    public List<PreConfiguredTokenizer> getPreConfiguredTokenizers() {
        return List.of(PreConfiguredTokenizer.singleton("whitespace", WhitespaceTokenizer::new));
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "asciifolding",
            (indexSettings, env, name, settings) -> {
                boolean preserve = settings.getAsBoolean("preserve_original", false);
                return normalizing(name, ts -> new ASCIIFoldingFilter(ts, preserve));
            },
            "porter_stem",
            (indexSettings, env, name, settings) -> filter(name, PorterStemFilter::new),
            "kstem",
            (indexSettings, env, name, settings) -> filter(name, KStemFilter::new),
            "stemmer",
            (indexSettings, env, name, settings) -> {
                String language = settings.get("language", settings.get("name", "english"));
                switch (language) {
                    case "english":
                    case "porter":
                        return filter(name, PorterStemFilter::new);
                    case "light_english":
                    case "kstem":
                        return filter(name, KStemFilter::new);
                    case "minimal_english":
                        return filter(name, EnglishMinimalStemFilter::new);
                    case "possessive_english":
                        return filter(name, EnglishPossessiveFilter::new);
                    default:
                        throw new IllegalArgumentException(
                            "custodia-es-extras: stemmer language [" + language + "] is not available in this dev/test build"
                        );
                }
            }
        );
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of("html_strip", (indexSettings, env, name, settings) -> {
            List<String> escaped = settings.getAsList("escaped_tags", List.of());
            HashSet<String> escapedTags = escaped.isEmpty() ? null : new HashSet<>(escaped);
            return new NormalizingCharFilterFactory() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Reader create(Reader reader) {
                    return new HTMLStripCharFilter(reader, escapedTags);
                }
            };
        });
    }

    // --------------------------------------------------------------- helpers

    private static CharArraySet stopwords(Settings settings, CharArraySet defaults) {
        List<String> words = settings.getAsList("stopwords", List.of("_english_"));
        if (words.size() == 1 && words.get(0).equals("_none_")) {
            return CharArraySet.EMPTY_SET;
        }
        CharArraySet set = new CharArraySet(words.size(), true);
        for (String w : words) {
            if (w.equals("_english_")) {
                set.addAll(defaults);
            } else {
                set.add(w);
            }
        }
        return set;
    }

    private static TokenFilterFactory filter(String name, java.util.function.Function<TokenStream, TokenStream> f) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return f.apply(tokenStream);
            }
        };
    }

    /** Normalizing filters may also be used in keyword normalizers. */
    private static TokenFilterFactory normalizing(String name, java.util.function.Function<TokenStream, TokenStream> f) {
        return new NormalizingTokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return f.apply(tokenStream);
            }
        };
    }
}
