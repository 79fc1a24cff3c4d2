// A web service over saved ML.NET models: POST /predict classifies a text with a recurrent sentiment classifier,
// POST /generate continues a prompt with a recurrent language model. Both .zip files are loaded once, at start-up.
// GET / is a page to try both (words shaded by attribution, generated text streamed from GET /generate/stream).
//   dotnet run -c Release --project examples/WebApi                      # serves the small models in SampleModels/
//   dotnet run -c Release --project examples/WebApi -- --model sentiment.zip --language-model lm.zip --urls http://127.0.0.1:5080
//   curl -s http://localhost:5000/predict -H 'Content-Type: application/json' -d '{"text": "the food was great"}'
//   curl -s http://localhost:5000/generate -H 'Content-Type: application/json' -d '{"prompt": "the ", "maxLength": 40, "temperature": 0.5, "seed": 1}'
// A model file that is missing or cannot be loaded ends the program with exit code 2 and one line naming the file.
// The sample models were made by: dotnet run -c Release --project examples/WebApi -- --make-sample-models examples/WebApi/SampleModels
using WebApi;

if (args is ["--make-sample-models", var folder])
{
    return SampleModelTrainer.Run(folder);
}
WebApplication app;
try
{
    app = WebApiApp.Build(args);
}
catch (ModelLoadException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
app.Run();
return 0;
