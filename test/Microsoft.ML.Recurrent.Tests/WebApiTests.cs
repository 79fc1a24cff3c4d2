using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Recurrent.Generation;
using WebApi;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The WebApi example served on loopback: concurrent clients get exactly the predictions and generated texts that
/// an in-process PredictionEngine / generator over the same .zip gives, and bad requests get 400 with a message.
/// </summary>
[TestClass]
public sealed class WebApiTests
{
    private static string s_folder = "";
    private static string s_sentimentZip = "";
    private static string s_languageZip = "";
    private static LoopbackServer? s_server;

    public sealed class Row
    {
        public string Text { get; set; } = "";
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }

        public float Probability { get; set; }

        public float Score { get; set; }
    }

    private sealed record Answer(bool Label, float Probability, float Score);

    private sealed record Generated(string Text);

    [ClassInitialize]
    public static async Task StartServer(TestContext context)
    {
        // Trained here, from the sample data shipped with the example, the way the shipped sample models were made.
        s_folder = Path.Combine(Path.GetTempPath(), $"recurrent-webapi-{Guid.NewGuid():N}");
        (s_sentimentZip, s_languageZip) = SampleModelTrainer.Train(WebApiSettings.SampleFolder, s_folder);
        s_server = await LoopbackServer.StartAsync("--model", s_sentimentZip, "--language-model", s_languageZip);
    }

    [ClassCleanup]
    public static async Task StopServer()
    {
        if (s_server is not null)
        {
            await s_server.DisposeAsync();
        }
        if (Directory.Exists(s_folder))
        {
            Directory.Delete(s_folder, recursive: true);
        }
    }

    private static HttpClient Client => s_server!.Client;

    [TestMethod]
    public async Task Predict_EightConcurrentClients_EveryAnswerEqualsTheInProcessPrediction()
    {
        const int Clients = 8, RequestsPerClient = 500;
        var texts = Texts(64);
        var expected = Expected(s_sentimentZip, texts);
        var failures = new ConcurrentQueue<string>();
        int answered = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < RequestsPerClient; i++)
            {
                int k = (c * 7 + i) % texts.Count;
                using var response = await Client.PostAsJsonAsync("/predict", new { text = texts[k] });
                var answer = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Answer>() : null;
                if (answer != expected[k])
                {
                    failures.Enqueue($"'{texts[k]}': {(int)response.StatusCode} {answer}, expected {expected[k]}");
                }
                Interlocked.Increment(ref answered);
            }
        })));
        Assert.AreEqual(Clients * RequestsPerClient, answered);
        Assert.IsTrue(failures.IsEmpty, $"{failures.Count} wrong answers; first: {failures.FirstOrDefault()}");
    }

    [TestMethod]
    public async Task Generate_FourConcurrentClients_EveryTextEqualsTheInProcessGeneration()
    {
        const int Clients = 4, RequestsPerClient = 25;
        string[] prompts = ["the ", "the cat", "a bird", "the sea is", "moon", ""];
        var generator = RecurrentModels.CreateGenerator(new MLContext().Model.Load(s_languageZip, out _));
        var failures = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < RequestsPerClient; i++)
            {
                string prompt = prompts[(c + i) % prompts.Length];
                var options = new GenerationOptions { MaxLength = 10 + i % 30, Temperature = (i % 3) * 0.5f, TopK = i % 4, Seed = c * 100 + i };
                string expected = generator.Generate(prompt, options);
                using var response = await Client.PostAsJsonAsync("/generate",
                    new { prompt, maxLength = options.MaxLength, temperature = options.Temperature, topK = options.TopK, seed = options.Seed });
                var answer = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Generated>() : null;
                if (answer?.Text != expected)
                {
                    failures.Enqueue($"'{prompt}' {options}: {(int)response.StatusCode} '{answer?.Text}', expected '{expected}'");
                }
            }
        })));
        Assert.IsTrue(failures.IsEmpty, $"{failures.Count} wrong answers; first: {failures.FirstOrDefault()}");
    }

    [TestMethod]
    public async Task Predict_Explain_ReturnsTheTokensAndAttributionsOfTheModel()
    {
        const string Text = "the food was great but the waiter was rude";
        var ml = new MLContext();
        var engine = ml.Model.CreatePredictionEngine<Row, ExplainedSentimentPrediction>(ml.Model.Load(s_sentimentZip, out _));
        var expected = engine.Predict(new Row { Text = Text });
        using var response = await Client.PostAsJsonAsync("/predict", new { text = Text, explain = true });
        var answer = await response.Content.ReadFromJsonAsync<PredictResponse>();
        Assert.AreEqual(new Answer(expected.PredictedLabel, expected.Probability, expected.Score), new Answer(answer!.Label, answer.Probability, answer.Score));
        CollectionAssert.AreEqual(Text.Split(' '), answer.Tokens);
        CollectionAssert.AreEqual(expected.Attributions, answer.Attributions);
        using var plain = await Client.PostAsJsonAsync("/predict", new { text = Text });
        Assert.IsNull((await plain.Content.ReadFromJsonAsync<PredictResponse>())!.Tokens, "attributions only when asked");
    }

    [TestMethod]
    public async Task GenerateStream_Prompt_SendsPiecesWhoseConcatenationIsThePostedText()
    {
        using var posted = await Client.PostAsJsonAsync("/generate", new { prompt = "the ", maxLength = 30, temperature = 0.5, seed = 7 });
        string expected = (await posted.Content.ReadFromJsonAsync<Generated>())!.Text;
        using var response = await Client.GetAsync("/generate/stream?prompt=the%20&maxLength=30&temperature=0.5&seed=7", HttpCompletionOption.ResponseHeadersRead);
        Assert.AreEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string[] events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var pieces = events.Where(e => e.StartsWith("data: ", StringComparison.Ordinal)).Select(e => JsonSerializer.Deserialize<string>(e["data: ".Length..])!).ToList();
        Assert.IsGreaterThan(1, pieces.Count, $"{pieces.Count} piece(s)");
        Assert.AreEqual(expected, string.Concat(pieces));
        Assert.AreEqual("event: end\ndata: ", events[^1]);
        using var bad = await Client.GetAsync("/generate/stream?temperature=-1");
        await AssertBadRequest(bad, "Temperature must be 0");
    }

    [TestMethod]
    [DataRow("/predict", "", "The request body is empty")]
    [DataRow("/predict", "   ", "The request body is empty")]
    [DataRow("/predict", "null", "JSON null")]
    [DataRow("/predict", "{}", "The request has no \"text\"")]
    [DataRow("/predict", """{"text": ""}""", "\"text\" is empty")]
    [DataRow("/predict", """{"text": " \n "}""", "\"text\" is empty")]
    [DataRow("/predict", """{"text": 5}""", "could not be converted to System.String")]
    [DataRow("/predict", """{"txt": "great"}""", "The JSON property 'txt' could not be mapped")]
    [DataRow("/predict", "the food was great", "is not a valid request")]
    [DataRow("/predict", """{"text": "great" """, "is not a valid request")]
    [DataRow("/generate", "", "The request body is empty")]
    [DataRow("/generate", """{"maxLength": 1001}""", "maxLength is 1001; it must be from 0 to 1000 tokens.")]
    [DataRow("/generate", """{"maxLength": -1}""", "maxLength is -1")]
    [DataRow("/generate", """{"temperature": -1}""", "Temperature must be 0 (greedy decoding) or a finite number above 0. It was -1.")]
    [DataRow("/generate", """{"topK": -2}""", "TopK must be 0")]
    [DataRow("/generate", """{"topP": 1.5}""", "TopP must be in (0, 1]")]
    [DataRow("/generate", """{"seed": "x"}""", "could not be converted")]
    public async Task Post_BadRequest_Is400WithAMessage(string path, string body, string message)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content);
        await AssertBadRequest(response, message);
    }

    [TestMethod]
    public async Task Post_TextOrPromptTooLong_Is400NamingTheLimit()
    {
        string tooLong = new('a', ApiLimits.MaxTextLength + 1);
        using (var response = await Client.PostAsJsonAsync("/predict", new { text = tooLong }))
        {
            await AssertBadRequest(response, $"\"text\" has {ApiLimits.MaxTextLength + 1} characters; at most {ApiLimits.MaxTextLength} are allowed.");
        }
        using (var response = await Client.PostAsJsonAsync("/generate", new { prompt = tooLong }))
        {
            await AssertBadRequest(response, "\"prompt\" has");
        }
        using (var response = await Client.PostAsJsonAsync("/predict", new { text = new string('a', ApiLimits.MaxBodyBytes) }))
        {
            await AssertBadRequest(response, $"larger than {ApiLimits.MaxBodyBytes} bytes");
        }
        using var atTheLimit = await Client.PostAsJsonAsync("/predict", new { text = "great " + new string('a', ApiLimits.MaxTextLength - 6) });
        Assert.AreEqual(HttpStatusCode.OK, atTheLimit.StatusCode, "a text of exactly the limit is served");
    }

    [TestMethod]
    public async Task Build_WithNoModelArguments_ServesTheShippedSampleModels()
    {
        await using var server = await LoopbackServer.StartAsync();
        string sentimentZip = Path.Combine(WebApiSettings.SampleFolder, "sentiment.zip");
        string[] texts = ["the food was great and the staff were friendly", "the soup was cold and the waiter was rude"];
        var expected = Expected(sentimentZip, texts);
        for (int k = 0; k < texts.Length; k++)
        {
            using var response = await server.Client.PostAsJsonAsync("/predict", new { text = texts[k] });
            Assert.AreEqual(expected[k], await response.Content.ReadFromJsonAsync<Answer>(), texts[k]);
        }
        Assert.IsTrue(expected[0].Label && !expected[1].Label, "the sample classifier tells a good review from a bad one");

        var generator = RecurrentModels.CreateGenerator(new MLContext().Model.Load(Path.Combine(WebApiSettings.SampleFolder, "language-model.zip"), out _));
        using var generated = await server.Client.PostAsJsonAsync("/generate", new { prompt = "the ", maxLength = 30, temperature = 0.5, seed = 3 });
        Assert.AreEqual(generator.Generate("the ", new GenerationOptions { MaxLength = 30, Temperature = 0.5f, Seed = 3 }),
            (await generated.Content.ReadFromJsonAsync<Generated>())!.Text);
    }

    [TestMethod]
    public void Build_MissingCorruptOrWrongKindOfModel_ThrowsNamingTheFile()
    {
        string missing = Path.Combine(s_folder, "missing.zip");
        StringAssert.Contains(Assert.ThrowsExactly<ModelLoadException>(() => WebApiApp.Build(["--model", missing])).Message,
            $"Cannot load the sentiment model {missing}: the file does not exist.");

        string corrupt = Path.Combine(s_folder, "corrupt.zip");
        File.WriteAllText(corrupt, "this is not a zip file");
        StringAssert.Contains(Assert.ThrowsExactly<ModelLoadException>(() => WebApiApp.Build(["--language-model", corrupt])).Message,
            $"Cannot load the language model {corrupt}:");

        StringAssert.Contains(Assert.ThrowsExactly<ModelLoadException>(() => WebApiApp.Build(["--model", s_languageZip])).Message,
            $"Cannot serve {s_languageZip} as a sentiment model");
        StringAssert.Contains(Assert.ThrowsExactly<ModelLoadException>(() => WebApiApp.Build(["--language-model", s_sentimentZip])).Message,
            $"Cannot serve {s_sentimentZip} as a language model");
    }

    private static async Task AssertBadRequest(HttpResponseMessage response, string message)
    {
        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        StringAssert.Contains(problem.RootElement.GetProperty("detail").GetString(), message);
    }

    // What a PredictionEngine over the same .zip, in this process, answers.
    private static Answer[] Expected(string zip, IReadOnlyList<string> texts)
    {
        var ml = new MLContext();
        var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(ml.Model.Load(zip, out _));
        return texts.Select(t => engine.Predict(new Row { Text = t })).Select(p => new Answer(p.PredictedLabel, p.Probability, p.Score)).ToArray();
    }

    // Reviews of every length from 1 to 12 words, with words the model has seen, words it has not, and punctuation.
    private static List<string> Texts(int count)
    {
        string[] words = ["the", "food", "was", "great", "cold", "rude", "staff", "friendly", "pizza", "awful", "lovely", "zebra", "!", "never", "again", "coffee"];
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(i => string.Join(' ', Enumerable.Range(0, 1 + i % 12).Select(_ => words[random.Next(words.Length)]))).ToList();
    }
}
