using System.Globalization;
using PuppeteerSharp;

namespace Microsoft.ML.Recurrent.PluginTests;

/// <summary>
/// The WebApi example's page (GET /) in a real headless Chromium, driven by PuppeteerSharp over the DevTools protocol:
/// what a person sees after typing a sentence (the label, the probability, each word shaded by the sign of its
/// attribution) and a prompt (text streamed in, piece by piece). Uses the system's chromium (Debian's package, which
/// .ci/run installs); never downloads a browser. Keeps a screenshot as a test artifact.
/// </summary>
[TestClass]
public sealed class WebPageBrowserTests
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Page_SentenceAndPrompt_ShowsShadedWordsAndStreamedText()
    {
        string? chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured
            : Candidates.FirstOrDefault(File.Exists);
        if (chromium is null || !File.Exists(chromium))
        {
            Assert.Inconclusive($"No chromium executable (looked at $CHROMIUM_PATH and {string.Join(", ", Candidates)}); install Debian's chromium package, as .ci/run does.");
        }
        // The shipped sample models: the classifier writes attributions, the language model streams.
        await using var server = await LoopbackServer.StartAsync();
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Containers and CI runners often run as root with a small /dev/shm.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 900, Height = 700 });
        await page.GoToAsync(server.Client.BaseAddress!.ToString());

        const string Sentence = "the soup was cold and the waiter was rude";
        await page.TypeAsync("#text", Sentence);
        await page.ClickAsync("#predict");
        await page.WaitForSelectorAsync("#words .word");
        var words = await page.EvaluateExpressionAsync<WordView[]>(
            "[...document.querySelectorAll('#words .word')].map(w => ({ text: w.textContent, sign: w.dataset.sign, attribution: Number(w.dataset.attribution), background: getComputedStyle(w).backgroundColor }))");
        Assert.AreEqual(string.Join(' ', Sentence.Split(' ')), string.Join(' ', words.Select(w => w.Text)), "one shaded element per word");
        foreach (var w in words)
        {
            string expectedSign = w.Attribution > 0 ? "positive" : w.Attribution < 0 ? "negative" : "zero";
            Assert.AreEqual(expectedSign, w.Sign, w.Text);
            // Green (0, 160, 0) towards positive, red (220, 0, 0) towards negative.
            StringAssert.StartsWith(w.Background, w.Attribution >= 0 ? "rgba(0, 160, 0," : "rgba(220, 0, 0,", $"{w.Text}: {w.Attribution}");
        }
        Assert.IsTrue(words.Any(w => w.Sign == "negative"), "a bad review has words pulling it towards negative");
        Assert.AreEqual("negative", await page.EvaluateExpressionAsync<string>("document.getElementById('label').textContent"));
        float probability = float.Parse(await page.EvaluateExpressionAsync<string>("document.getElementById('probability').textContent"), CultureInfo.InvariantCulture);
        Assert.IsTrue(probability is >= 0 and < 0.5f, $"the shown probability of positive is {probability}");

        await page.TypeAsync("#prompt", "the ");
        await page.ClickAsync("#generate");
        await page.WaitForSelectorAsync("#generated[data-done='true']", new WaitForSelectorOptions { Timeout = 30_000 });
        int chunks = int.Parse(await page.EvaluateExpressionAsync<string>("document.getElementById('generated').dataset.chunks"), CultureInfo.InvariantCulture);
        string generated = await page.EvaluateExpressionAsync<string>("document.getElementById('generated').textContent");
        Assert.IsTrue(chunks > 1, $"the text arrived in {chunks} piece(s)");
        Assert.IsFalse(string.IsNullOrWhiteSpace(generated), "generated text is shown");
        Assert.AreEqual("", await page.EvaluateExpressionAsync<string>("document.getElementById('generate-error').textContent"));

        string screenshot = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), "webapi-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
        Assert.IsTrue(new FileInfo(screenshot).Length > 1000, "the screenshot was written");
        TestContext.AddResultFile(screenshot);
    }

    private sealed class WordView
    {
        public string Text { get; set; } = "";

        public string Sign { get; set; } = "";

        public float Attribution { get; set; }

        public string Background { get; set; } = "";
    }
}
